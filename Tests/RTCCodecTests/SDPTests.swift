import Foundation
import FoundationEssentials
import Testing
@testable import MeetSDP

/// RFC 8866 parse/serialize, with offers written the way Chrome and aiortc write them.
@Suite("SDP (RFC 8866)")
struct SDPTests {
    @Test("RFC 8866 §5 Chrome offer: parse, serialize byte-exactly, re-parse equal")
    func chromeOfferRoundTrip() throws {
        let text = try fixtureText("chrome-offer.sdp")
        let sdp = try SessionDescription(parsing: text)
        #expect(sdp.serialize() == text)
        #expect(try SessionDescription(parsing: sdp.serialize()) == sdp)

        #expect(sdp.origin.sessionID == "4611731400430051336")
        #expect(sdp.bundleMids == ["0", "1"])
        #expect(sdp.hasAttribute("extmap-allow-mixed"))
        #expect(sdp.attribute("msid-semantic") == " WMS 8e2f3c1a-5b7d-4f2a-9c1e-2d3f4a5b6c7d")
        #expect(sdp.media.count == 2)

        let audio = sdp.media[0]
        #expect(audio.kind == "audio")
        #expect(audio.mid == "0")
        #expect(audio.direction == .sendrecv)
        #expect(audio.rtcpMux && audio.rtcpReducedSize)
        #expect(audio.iceUfrag == "EsAw")
        #expect(audio.icePwd == "bP+XJMM09aR8AiX1jdukzR6Y")
        #expect(audio.iceOptions == ["trickle"])
        #expect(audio.setup == .actpass)
        #expect(audio.fingerprints.first?.hashFunction == "sha-256")
        #expect(audio.fingerprints.first?.bytes.count == 32)
        #expect(audio.extMapID(uri: SDPExtMap.transportWideCCURI) == 3)
        #expect(audio.msid == SDPMediaStreamID(streamID: "8e2f3c1a-5b7d-4f2a-9c1e-2d3f4a5b6c7d", trackID: "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"))
        #expect(audio.ssrcs == [3_735_928_559])
        #expect(audio.cname(ssrc: 3_735_928_559) == "Xq3d+Yv2Lk9sT0aB")
        let opus = try #require(audio.codecs(named: "opus").first)
        #expect(opus.payloadType == 111 && opus.clockRate == 48000 && opus.channels == 2)
        #expect(opus.parameters?["useinbandfec"] == "1")
        #expect(opus.hasFeedback("transport-cc"))
        #expect(audio.codec(payloadType: 0)?.name == "PCMU")

        let candidates = audio.candidates
        #expect(candidates.count == 3)
        #expect(candidates[0].type == .host && candidates[0].address == "192.168.1.23" && candidates[0].port == 54400)
        #expect(candidates[0].priority == 2_122_260_223)
        #expect(candidates[0].extensionValue("network-cost") == "10")
        #expect(candidates[1].type == .srflx && candidates[1].relatedAddress == "192.168.1.23" && candidates[1].relatedPort == 54400)
        #expect(candidates[2].transport == "tcp" && candidates[2].extensionValue("tcptype") == "active")

        let video = sdp.media[1]
        #expect(video.mediaLine.payloadTypes.count == 25)
        let vp8 = try #require(video.codecs(named: "VP8").first)
        #expect(vp8.hasFeedback("nack", "pli") && vp8.hasFeedback("ccm", "fir") && vp8.hasFeedback("goog-remb"))
        let rtx = try #require(video.codec(payloadType: 97))
        #expect(rtx.isRTX && rtx.associatedPayloadType == 96)
        #expect(video.codecs(named: "h264").count == 7)
        #expect(video.codec(payloadType: 102)?.parameters?["profile-level-id"] == "42001f")
        #expect(video.ssrcGroups == [SDPSSRCGroup(semantics: "FID", ssrcs: [2_882_400_001, 2_882_400_002])])
        #expect(video.extMapID(uri: SDPExtMap.ridURI) == 10)
    }

    @Test("RFC 8851/8853 simulcast offer: rid and simulcast lines")
    func simulcastOffer() throws {
        let text = try fixtureText("chrome-simulcast-offer.sdp")
        let sdp = try SessionDescription(parsing: text)
        #expect(sdp.serialize() == text)
        let video = sdp.media[0]
        #expect(video.direction == .sendonly)
        #expect(video.msid?.streamID == "-")
        #expect(video.rids.map(\.id) == ["q", "h", "f"])
        #expect(video.rids[2].restrictions == "max-width=1280;max-height=720")
        let simulcast = try #require(video.simulcast)
        #expect(simulcast.send.count == 3)
        #expect(simulcast.send[2] == [SDPSimulcast.Stream(rid: "f", paused: true)])
        #expect(simulcast.attributeValue == "send q;h;~f")
        #expect(try SDPSimulcast(attributeValue: "send h,m;l recv x").receive == [[.init(rid: "x")]])
    }

    @Test("aiortc offer: LF line endings accepted, candidates and end-of-candidates")
    func aiortcOffer() throws {
        let text = try fixtureText("aiortc-offer.sdp").replacingOccurrences(of: "\r\n", with: "\n")
        let sdp = try SessionDescription(parsing: text)
        #expect(try SessionDescription(parsing: sdp.serialize()) == sdp)
        #expect(sdp.serialize() == text.replacingOccurrences(of: "\n", with: "\r\n"))
        #expect(sdp.attribute("msid-semantic") == "WMS *")
        let audio = sdp.media[0]
        #expect(audio.mediaLine.port == 50123)
        #expect(audio.connections.first?.address == "127.0.0.1")
        #expect(audio.endOfCandidates)
        #expect(audio.candidates.count == 2)
        #expect(audio.candidates[0].foundation == "5c1ab4e9f2d3e6a7b8c9d0e1f2a3b4c5")
        #expect(sdp.iceUfrag(for: audio) == "Xk3p")
        #expect(sdp.fingerprints(for: audio).count == 1)
        #expect(sdp.setup(for: audio) == .actpass)
        #expect(sdp.media(mid: "1")?.codecs.map(\.name) == ["VP8", "rtx", "H264", "rtx", "H264", "rtx"])
    }

    @Test("building a description and its typed attributes round-trips")
    func buildAnswer() throws {
        var media = MediaDescription(mediaLine: SDPMediaLine(media: "video", formats: []))
        media.mid = "1"
        media.direction = .recvonly
        media.rtcpMux = true
        media.iceUfrag = "ufrg"
        media.icePwd = "passwordpasswordpassword"
        media.setup = .passive
        media.append(SDPFingerprint(hashFunction: "SHA-256", bytes: Array(0..<32)))
        media.addCodec(SDPCodec(payloadType: 96, name: "VP8", clockRate: 90000, feedback: [.init(payloadType: 96, type: "nack", subtype: "pli")]))
        media.addCodec(SDPCodec(payloadType: 97, name: "rtx", clockRate: 90000, parameters: .init(payloadType: 97, pairs: [("apt", "96")])))
        media.append(SDPExtMap(id: 3, uri: SDPExtMap.transportWideCCURI))
        media.append(SDPCandidate(foundation: "1", priority: 2_130_706_431, address: "10.0.0.1", port: 40000, type: .host))
        media.direction = .sendonly
        var sdp = SessionDescription(origin: SDPOrigin(sessionID: "1", sessionVersion: "1"),
                                     attributes: [SDPAttribute(SDPGroup(semantics: "BUNDLE", mids: ["1"]))], media: [media])
        sdp.iceLite = true
        let text = sdp.serialize()
        #expect(text.contains("a=sendonly\r\n") && !text.contains("recvonly"))
        #expect(text.contains("a=fingerprint:sha-256 00:01:02"))
        #expect(text.contains("m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n"))
        let parsed = try SessionDescription(parsing: text)
        #expect(parsed == sdp)
        #expect(parsed.iceLite)
        #expect(parsed.media[0].codecs.count == 2)
        #expect(parsed.media[0].codec(payloadType: 97)?.associatedPayloadType == 96)
        #expect(parsed.media[0].candidates.first?.attributeValue == "1 1 udp 2130706431 10.0.0.1 40000 typ host")
        #expect(SDPDirection.sendonly.reversed == .recvonly)
    }

    @Test("RFC 8866 §5 unknown attributes are kept in order")
    func unknownAttributesKept() throws {
        let text = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=x-custom:1 2 3\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=zzz\r\na=mid:a\r\na=x-empty:\r\n"
        let sdp = try SessionDescription(parsing: text)
        #expect(sdp.attributes == [SDPAttribute("x-custom", "1 2 3")])
        #expect(sdp.media[0].attributes.map(\.name) == ["zzz", "mid", "x-empty"])
        #expect(sdp.serialize() == text)
    }

    @Test("malformed and oversized descriptions are rejected with typed errors")
    func rejections() throws {
        let head = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
        #expect(throws: SDPParseError.missingLine("v=")) { try SessionDescription(parsing: "") }
        #expect(throws: SDPParseError.missingLine("t=")) { try SessionDescription(parsing: "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\n") }
        #expect(throws: SDPParseError.malformedValue(kind: "o=", value: "- 1")) { try SessionDescription(parsing: "v=0\r\no=- 1\r\ns=-\r\nt=0 0\r\n") }
        #expect(throws: SDPParseError.unknownLineType(line: 5, type: "x")) { try SessionDescription(parsing: head + "x=1\r\n") }
        #expect(throws: SDPParseError.malformedLine(line: 5, text: "garbage")) { try SessionDescription(parsing: head + "garbage\r\n") }
        #expect(throws: SDPParseError.self) { try SessionDescription(parsing: head + "m=audio notaport RTP/AVP 0\r\n") }
        #expect(throws: SDPParseError.self) { try SessionDescription(parsing: head + "m=audio 70000 RTP/AVP 0\r\n") }
        #expect(throws: SDPParseError.self) { try SessionDescription(parsing: head + "a=x\r\nv=0\r\n") }
        let big = head + String(repeating: "a=x-pad:0123456789012345678901234567890123456789\r\n", count: 1500)
        #expect(throws: SDPParseError.tooLarge(bytes: big.utf8.count, limit: 65536)) { try SessionDescription(parsing: big) }
        let many = head + String(repeating: "a=y\r\n", count: 5000)
        #expect(throws: SDPParseError.tooManyLines(limit: 4096)) { try SessionDescription(parsing: many) }
        let sections = head + String(repeating: "m=audio 9 RTP/AVP 0\r\n", count: 300)
        #expect(throws: SDPParseError.tooManyMediaSections(limit: 256)) { try SessionDescription(parsing: sections) }
    }

    @Test("fuzz regression: a stray CR or NUL inside a line is rejected (§9 byte-string)")
    func strayCarriageReturn() {
        // Found by scripts/fuzz: "c=IN IP4 0.0.0.0\r \n" parsed with the CR in the
        // address, which re-serialized as a CRLF and lost it.
        let head = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
        #expect(throws: SDPParseError.malformedLine(line: 6, text: "c=IN IP4 0.0.0.0\r ")) {
            try SessionDescription(parsing: head + "m=audio 9 RTP/AVP 0\r\nc=IN IP4 0.0.0.0\r \na=mid:0\r\n")
        }
        #expect(throws: SDPParseError.self) { try SessionDescription(parsing: head + "a=x\u{0}y\r\n") }
    }

    @Test("typed attribute grammars reject malformed values")
    func typedRejections() throws {
        #expect(throws: SDPParseError.self) { try SDPRTPMap(attributeValue: "200 opus/48000") }
        #expect(throws: SDPParseError.self) { try SDPRTPMap(attributeValue: "111 opus") }
        #expect(throws: SDPParseError.self) { try SDPCandidate(attributeValue: "1 1 udp 99999999999 1.2.3.4 5 typ host") }
        #expect(throws: SDPParseError.self) { try SDPCandidate(attributeValue: "1 1 udp 1 1.2.3.4 5 typ nope") }
        #expect(throws: SDPParseError.self) { try SDPCandidate(attributeValue: "1 1 udp 1 1.2.3.4 5 typ host generation") }
        #expect(throws: SDPParseError.self) { try SDPFingerprint(attributeValue: "sha-256 ZZ:00") }
        #expect(throws: SDPParseError.self) { try SDPExtMap(attributeValue: "0 urn:x") }
        #expect(throws: SDPParseError.self) { try SDPExtMap(attributeValue: "1/sideways urn:x") }
        #expect(throws: SDPParseError.self) { try SDPSSRCAttribute(attributeValue: "12x cname:a") }
        #expect(throws: SDPParseError.self) { try SDPSimulcast(attributeValue: "send ;;") }
        #expect(throws: SDPParseError.self) { try SDPSetupRole(attributeValue: "both") }
        #expect(throws: SDPParseError.self) { try SDPRID(attributeValue: "q sideways") }
        #expect(try SDPCandidate(attributeValue: "candidate:0 1 UDP 2122252543 abc.local 60000 typ host").address == "abc.local")
        #expect(try SDPExtMap(attributeValue: "2/recvonly urn:x attr").direction == .recvonly)
        #expect(try SDPRTCPFeedback(attributeValue: "* nack").payloadType == nil)
    }

    @Test("random line mutations of a real offer never trap")
    func robustness() throws {
        let lines = try fixtureText("chrome-offer.sdp").components(separatedBy: "\r\n")
        var rng = SeededGenerator(seed: 3)
        let junk = ["", "a=", "a=candidate:", "a=rtpmap:x", "m=", "c=IN", "a=fmtp:", "a=ssrc:1", "a=simulcast:send ~", "b=AS:", "t=1"]
        for _ in 0..<500 {
            var m = lines
            let i = Int.random(in: 0..<m.count, using: &rng)
            m[i] = junk.randomElement(using: &rng)! + m[Int.random(in: 0..<m.count, using: &rng)].dropFirst(Int.random(in: 0..<4, using: &rng))
            if let sdp = try? SessionDescription(parsing: m.joined(separator: "\r\n")) {
                for media in sdp.media { _ = media.codecs; _ = media.candidates; _ = media.simulcast; _ = media.rids }
                #expect(try SessionDescription(parsing: sdp.serialize()) == sdp)
            }
        }
    }
}
