import MeetDTLS
@testable import MeetRTC
import Testing

/// H.264 in offer/answer: RFC 6184 §8.1 parameters and the §8.2.2 rule that
/// matches payload types by packetization mode and profile (not level).
@Suite("H.264 negotiation")
struct H264NegotiationTests {
    static let fingerprint = DTLSFingerprint(algorithm: .sha256, digest: Array(repeating: 0xCD, count: 32))
    let local = LocalTransport(
        iceUfrag: "locl", icePassword: "0123456789012345678901", fingerprint: Self.fingerprint,
        candidateIP: "127.0.0.1", candidatePort: 40000, iceLite: true)

    func h264(_ payloadType: UInt8, _ fmtp: String?, feedback: [String] = ["nack", "nack pli", "ccm fir", "goog-remb", "transport-cc"]) -> CodecModel {
        CodecModel(payloadType: payloadType, name: "H264", clockRate: 90000, parameters: fmtp, feedback: feedback)
    }

    func offer(video codecs: [CodecModel]) -> SessionModel {
        let transport = TransportModel(
            iceUfrag: "remo", icePassword: "abcdefghijklmnopqrstuv", iceLite: false,
            fingerprints: [Self.fingerprint], setup: .actpass, candidates: [])
        let video = MediaSectionModel(kind: "video", mid: "0", direction: .sendrecv, codecs: codecs, ssrcs: [42])
        return SessionModel(transport: transport, bundle: ["0"], sections: [video])
    }

    @Test("RFC 6184 §8.1: profile-level-id decodes to profile and level; defaults and junk")
    func parameters() {
        let cases: [(String?, H264Profile?, Int, UInt8)] = [
            ("level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f", .constrainedBaseline, 1, 0x1F),
            ("profile-level-id=42001f;packetization-mode=1", .baseline, 1, 0x1F),
            ("profile-level-id=42c01e", .constrainedBaseline, 0, 0x1E),
            ("profile-level-id=4d001f", .main, 0, 0x1F),
            ("profile-level-id=4d801f", .constrainedBaseline, 0, 0x1F),
            ("profile-level-id=640c1f", .constrainedHigh, 0, 0x1F),
            ("profile-level-id=64001f", .high, 0, 0x1F),
            ("profile-level-id=f4001f", nil, 0, 0x1F),
            (nil, .baseline, 0, 0x10),  // RFC 6184 §8.1 default 420010
            ("packetization-mode = 1 ; profile-level-id = 42E01F", .constrainedBaseline, 1, 0x1F),
        ]
        for (fmtp, profile, mode, level) in cases {
            let parsed = H264Parameters(fmtp: fmtp)
            #expect(parsed.profile == profile, "\(fmtp ?? "nil")")
            #expect(parsed.packetizationMode == mode, "\(fmtp ?? "nil")")
            #expect(parsed.levelIDC == level, "\(fmtp ?? "nil")")
        }
        #expect(H264Parameters(fmtp: "profile-level-id=zzzzzz").profile == nil)
        #expect(H264Parameters(fmtp: "profile-level-id=42e01f00").profile == nil)
        #expect(H264Parameters(fmtp: "level-asymmetry-allowed=1").levelAsymmetryAllowed)
    }

    @Test("RFC 6184 §8.2.2: same mode and profile match whatever the level; other modes or profiles do not")
    func matching() {
        let ours = H264Parameters(fmtp: H264Parameters.offered)
        #expect(ours.matches(H264Parameters(fmtp: "packetization-mode=1;profile-level-id=42e034")))
        #expect(ours.matches(H264Parameters(fmtp: "packetization-mode=1;profile-level-id=42c00d")))
        #expect(!ours.matches(H264Parameters(fmtp: "packetization-mode=0;profile-level-id=42e01f")))
        #expect(!ours.matches(H264Parameters(fmtp: "packetization-mode=1;profile-level-id=42001f")))
        #expect(!ours.matches(H264Parameters(fmtp: "packetization-mode=1;profile-level-id=640c1f")))
        #expect(!ours.matches(H264Parameters(fmtp: "packetization-mode=1;profile-level-id=nothex")))
    }

    @Test("an aiortc-like H.264 list: only Constrained Baseline with mode 1 is kept, feedback filtered")
    func aiortcLikeOffer() throws {
        let offer = offer(video: [
            h264(99, "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f"),
            h264(101, "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"),
            h264(103, "level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f"),
        ])
        let result = try AnswerRules.answer(to: offer, local: local, policy: .withoutTransportCC, sendBack: false, cname: "me")
        let video = result.local.sections[0]
        #expect(video.port != 0)
        #expect(video.codecs.map(\.payloadType) == [101])
        #expect(video.codecs[0].parameters == "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f")
        #expect(video.codecs[0].feedback == ["nack", "nack pli", "ccm fir", "goog-remb"])
        #expect(result.remoteTracks[0].codecs.map(\.name) == ["H264"])
        #expect(result.local.sdp.contains("a=rtcp-fb:101 nack pli"))
    }

    @Test("VP8 stays preferred when an offer lists H.264 first")
    func vp8Preferred() throws {
        let offer = offer(video: [
            h264(126, "packetization-mode=1;profile-level-id=42e01f"),
            CodecModel(payloadType: 96, name: "VP8", clockRate: 90000, feedback: ["nack"]),
        ])
        let result = try AnswerRules.answer(to: offer, local: local, policy: MediaPolicy(), sendBack: true, cname: "me")
        #expect(result.local.sections[0].codecs.map(\.payloadType) == [96, 126])
        let withoutH264 = try AnswerRules.answer(
            to: offer, local: local, policy: MediaPolicy(acceptH264: false), sendBack: true, cname: "me")
        #expect(withoutH264.local.sections[0].codecs.map(\.payloadType) == [96])
    }

    @Test("a section with only High or Baseline H.264 is rejected")
    func unusableProfiles() {
        let offer = offer(video: [
            h264(100, "packetization-mode=1;profile-level-id=64001f"),
            h264(102, "packetization-mode=1;profile-level-id=42001f"),
        ])
        #expect(throws: NegotiationError.nothingAccepted) {
            try AnswerRules.answer(to: offer, local: local, policy: MediaPolicy(), sendBack: true, cname: "me")
        }
    }

    @Test("our offer lists VP8 then H.264 (42e01f, mode 1) with the same feedback; an H.264-only answer applies")
    func ourOffer() throws {
        var client = local
        client.iceLite = false
        let (offer, tracks) = OfferRules.offer(kinds: [.video], local: client, policy: .withoutTransportCC, cname: "cl")
        let codecs = offer.sections[0].codecs
        #expect(codecs.map(\.name) == ["VP8", "H264"])
        #expect(codecs[1].parameters == "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f")
        #expect(codecs[0].feedback == codecs[1].feedback)
        #expect(Set(codecs[1].feedback) == ["nack", "nack pli", "ccm fir", "goog-remb"])
        let text = offer.sdp
        #expect(text.contains("a=rtpmap:102 H264/90000"))
        #expect(text.contains("a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"))
        #expect(text.contains("a=rtcp-fb:102 ccm fir"))
        // The SDP text round-trips to the same codecs.
        #expect(try SessionModel(sdp: text).sections[0].codecs == codecs)

        // An answerer that only does H.264 (what aiortc with H.264 forced does).
        var h264Only = try SessionModel(sdp: text)
        h264Only.sections[0].codecs.removeFirst()
        let answered = try AnswerRules.answer(to: h264Only, local: local, policy: .withoutTransportCC, sendBack: true, cname: "sv")
        let applied = try OfferRules.apply(answer: answered.local, to: offer, localTracks: tracks)
        #expect(applied.remoteTracks.map { $0.codecs.map(\.payloadType) } == [[102]])
        #expect(applied.localTracks == tracks)

        let vp8Only = OfferRules.offer(kinds: [.video], local: client, policy: MediaPolicy(acceptH264: false), cname: "cl").offer
        #expect(vp8Only.sections[0].codecs.map(\.name) == ["VP8"])
    }
}
