import Foundation
import Testing
@testable import MeetSDP

/// Issue 13, item 11: offers the node accepted although they break RFC 8866,
/// RFC 8843, RFC 4588, the codecs' RFCs or a sane limit. Each is a seed of
/// the SDP fuzz corpus (Tools/Fuzz/Corpus/sdp/invalid-*, written by
/// Tools/Fuzz/make-corpus.py from Chrome's offer with one thing broken) and
/// must be refused with the typed error named here.
@Suite("SDP validation")
struct SDPValidatorTests {
    static let expected: [String: SDPValidationError] = [
        "duplicate-mid": .duplicateMid("0"),
        "mid-5000-characters": .invalidMid(String(repeating: "m", count: 5000)),
        "mid-not-a-token": .invalidMid("a,b"),
        "bundle-1000-mids": .invalidBundle("mid \"2\" names no media section"),
        "bundle-unknown-mid": .invalidBundle("mid \"7\" names no media section"),
        "bundle-mid-twice": .invalidBundle("mid \"1\" is listed twice"),
        "payload-type-128": .invalidPayloadType(section: "video", value: "128"),
        "payload-type-300": .invalidPayloadType(section: "video", value: "300"),
        "payload-type-negative": .invalidPayloadType(section: "video", value: "-1"),
        "payload-type-rtcp-range": .invalidPayloadType(section: "audio", value: "72"),
        "payload-type-twice": .duplicatePayloadType(section: "audio", payloadType: 111),
        "rtpmap-twice": .duplicatePayloadType(section: "audio", payloadType: 9),
        "rtpmap-malformed": .malformedAttribute(name: "rtpmap", value: "96 VP8"),
        "clock-rate-0": .invalidClockRate(payloadType: 9, codec: "G722", clockRate: 0),
        "clock-rate-2-pow-40": .malformedAttribute(name: "rtpmap", value: "96 VP8/1099511627776"),
        "clock-rate-vp8-48000": .invalidClockRate(payloadType: 96, codec: "VP8", clockRate: 48_000),
        "clock-rate-opus-8000": .invalidClockRate(payloadType: 111, codec: "opus", clockRate: 8_000),
        "opus-one-channel": .invalidChannels(payloadType: 111, codec: "opus", channels: 1),
        "ssrc-0": .invalidSSRC("0 in a=ssrc (1 to 4294967295)"),
        "ssrc-negative": .malformedAttribute(name: "ssrc", value: "-1 cname:Xq3d+Yv2Lk9sT0aB"),
        "ssrc-2-pow-32": .malformedAttribute(name: "ssrc", value: "4294967296 cname:Xq3d+Yv2Lk9sT0aB"),
        "ssrc-in-two-sections": .invalidSSRC("3735928559 announced in two sections"),
        "ssrc-group-0": .invalidSSRC("0 in a=ssrc-group:FID"),
        "ssrcs-40-in-a-section": .tooMany(what: "SSRCs in a section", count: 42, limit: 32),
        "rtx-apt-itself": .invalidRTX(payloadType: 97, reason: "apt=97 names itself"),
        "rtx-apt-not-listed": .invalidRTX(payloadType: 97, reason: "apt=55 is not in the m= line"),
        "rtx-apt-rtx": .invalidRTX(payloadType: 97, reason: "apt=103 is another RTX payload type"),
        "rtx-without-apt": .invalidRTX(payloadType: 97, reason: "no apt parameter"),
        "fmtp-30kb": .attributeTooLong(name: "fmtp", length: 30_017, limit: 4096),
        "fmtp-2kb": .formatParametersTooLong(payloadType: 97, length: 2_009, limit: 1024),
        "fmtp-twice": .duplicatePayloadType(section: "video", payloadType: 97),
        "ice-ufrag-short": .invalidICECredentials("a=ice-ufrag must be 4–256 of A–Z a–z 0–9 + /, got 2 characters"),
        "ice-pwd-bad-characters": .invalidICECredentials("a=ice-pwd must be 22–256 of A–Z a–z 0–9 + /, got 24 characters"),
        "extmap-conflict": .conflictingExtMap(
            id: 3, "names both urn:ietf:params:rtp-hdrext:toffset and http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"),
        "130-media-sections": .tooManyMediaSections(count: 130, limit: 128),
    ]

    static func seed(_ name: String) throws -> String {
        let url = FuzzCorpusTests.corpus.appendingPathComponent("sdp").appendingPathComponent(name)
        return String(decoding: try Data(contentsOf: url), as: UTF8.self)
    }

    @Test("each invalid seed parses but is refused, naming the problem", arguments: expected.keys.sorted())
    func invalidSeedRefused(_ name: String) throws {
        let description = try SessionDescription(parsing: try Self.seed("invalid-" + name))
        let error = try #require(throws: SDPValidationError.self) { try SDPValidator().validate(description) }
        #expect(error == Self.expected[name])
        #expect(!error.description.isEmpty)
    }

    @Test("the corpus holds exactly the invalid seeds this suite expects")
    func corpusMatchesTable() throws {
        let names = try FuzzCorpusTests.seeds("sdp").map(\.0).filter { $0.hasPrefix("invalid-") }
        #expect(Set(names) == Set(Self.expected.keys.map { "invalid-" + $0 }))
    }

    @Test("real offers and answers pass: Chrome, Chrome simulcast, Firefox, aiortc, the SFU's answer")
    func realDescriptionsPass() throws {
        let seeds = try FuzzCorpusTests.seeds("sdp").filter { !$0.0.hasPrefix("invalid-") }
        #expect(seeds.contains { $0.0 == "firefox-offer" } && seeds.contains { $0.0 == "chrome-offer" })
        for (name, bytes) in seeds {
            let description = try SessionDescription(parsing: String(decoding: bytes, as: UTF8.self))
            #expect(throws: Never.self, "\(name)") { try SDPValidator().validate(description) }
        }
    }

    @Test("rtcp-fb with more parameters than modelled passes; one without a value or with payload type 200 does not")
    func rtcpFeedbackGrammar() throws {
        func offer(_ feedback: String) throws -> SessionDescription {
            try SessionDescription(parsing:
                "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\n"
                + "a=rtpmap:96 VP8/90000\r\na=rtcp-fb:\(feedback)\r\n")
        }
        try SDPValidator().validate(try offer("96 ccm tmmbr smaxpr=120"))
        try SDPValidator().validate(try offer("* nack"))
        #expect(throws: SDPValidationError.malformedAttribute(name: "rtcp-fb", value: "96")) { try SDPValidator().validate(try offer("96")) }
        #expect(throws: SDPValidationError.malformedAttribute(name: "rtcp-fb", value: "200 nack")) {
            try SDPValidator().validate(try offer("200 nack"))
        }
    }

    @Test("dynamic payload types in 35…63 (Chrome's lower range) and static ones pass; 64…95 do not")
    func payloadTypeRanges() throws {
        func offer(_ pts: String, _ maps: String) -> String {
            "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF \(pts)\r\na=mid:0\r\n\(maps)"
        }
        let ok = try SessionDescription(parsing: offer("35 63 96 127 0", "a=rtpmap:35 VP8/90000\r\na=rtpmap:63 rtx/90000\r\na=fmtp:63 apt=35\r\n"))
        try SDPValidator().validate(ok)
        for pt in [64, 80, 95] {
            let bad = try SessionDescription(parsing: offer("96 \(pt)", ""))
            #expect(throws: SDPValidationError.invalidPayloadType(section: "video", value: "\(pt)")) { try SDPValidator().validate(bad) }
        }
    }
}
