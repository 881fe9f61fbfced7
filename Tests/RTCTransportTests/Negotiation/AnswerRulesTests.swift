import MeetDTLS
@testable import MeetRTC
import Testing

/// JSEP answer rules (RFC 8829 §5.3) on the session model, without SDP text.
@Suite("AnswerRules")
struct AnswerRulesTests {
    static let fingerprint = DTLSFingerprint(algorithm: .sha256, digest: Array(repeating: 0xAB, count: 32))
    let local = LocalTransport(
        iceUfrag: "locl", icePassword: "0123456789012345678901", fingerprint: Self.fingerprint,
        candidateIP: "127.0.0.1", candidatePort: 40000, iceLite: true)

    /// Roughly what Chrome offers: audio with Opus and others, video with VP8,
    /// RTX, H.264 in two packetization modes, AV1, and a data channel.
    func chromeLikeOffer(setup: DTLSSetup = .actpass) -> SessionModel {
        let transport = TransportModel(
            iceUfrag: "remo", icePassword: "abcdefghijklmnopqrstuv", iceLite: false,
            fingerprints: [Self.fingerprint], setup: setup, candidates: [])
        let audio = MediaSectionModel(
            kind: "audio", mid: "0", direction: .sendrecv, rtcpReducedSize: true,
            codecs: [
                CodecModel(payloadType: 111, name: "opus", clockRate: 48000, channels: 2, parameters: "minptime=10;useinbandfec=1", feedback: ["transport-cc"]),
                CodecModel(payloadType: 63, name: "red", clockRate: 48000, channels: 2),
                CodecModel(payloadType: 0, name: "PCMU", clockRate: 8000),
            ],
            extensions: [
                HeaderExtensionModel(id: 1, uri: MediaPolicy.audioLevelURI),
                HeaderExtensionModel(id: 3, uri: MediaPolicy.transportCCURI),
                HeaderExtensionModel(id: 4, uri: MediaPolicy.midURI),
            ],
            msid: ("-", "a1"), cname: "c", ssrcs: [1111])
        let video = MediaSectionModel(
            kind: "video", mid: "1", direction: .sendrecv,
            codecs: [
                CodecModel(payloadType: 96, name: "VP8", clockRate: 90000, feedback: ["goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"]),
                CodecModel(payloadType: 97, name: "rtx", clockRate: 90000, parameters: "apt=96"),
                CodecModel(payloadType: 102, name: "H264", clockRate: 90000, parameters: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f", feedback: ["nack"]),
                CodecModel(payloadType: 104, name: "H264", clockRate: 90000, parameters: "level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f"),
                CodecModel(payloadType: 106, name: "H264", clockRate: 90000, parameters: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f", feedback: ["nack", "transport-cc"]),
                CodecModel(payloadType: 45, name: "AV1", clockRate: 90000),
            ],
            extensions: [
                HeaderExtensionModel(id: 2, uri: MediaPolicy.absSendTimeURI),
                HeaderExtensionModel(id: 4, uri: MediaPolicy.midURI),
                HeaderExtensionModel(id: 13, uri: "urn:3gpp:video-orientation"),
            ],
            msid: ("-", "v1"), cname: "c", ssrcs: [2222, 3333], ssrcGroups: [("FID", [2222, 3333])])
        var data = MediaSectionModel(kind: "application", proto: "UDP/DTLS/SCTP", mid: "2", direction: .sendrecv)
        data.formats = ["webrtc-datachannel"]
        return SessionModel(transport: transport, bundle: ["0", "1", "2"], sections: [audio, video, data])
    }

    @Test("Chrome-like offer: Opus, VP8 and H.264 (pm=1, Constrained Baseline) kept with offered payload types; data channel rejected")
    func chromeOffer() throws {
        var next: UInt32 = 100
        let result = try AnswerRules.answer(
            to: chromeLikeOffer(), local: local, policy: MediaPolicy(), sendBack: true, cname: "me",
            newSSRC: { next += 1; return next })
        let answer = result.local
        #expect(answer.bundle == ["0", "1"])
        #expect(answer.transport.iceLite)
        #expect(answer.transport.setup == .passive)
        #expect(result.dtlsRole == .server)
        #expect(answer.transport.candidates == [CandidateModel(foundation: "1", priority: 2_130_706_431, address: "127.0.0.1", port: 40000)])
        #expect(answer.sections.map(\.mid) == ["0", "1", "2"])

        let audio = answer.sections[0]
        #expect(audio.codecs.map(\.payloadType) == [111])
        #expect(audio.codecs[0].parameters == "minptime=10;useinbandfec=1")
        // The audio level (RFC 6464) is kept on audio, for active speakers.
        #expect(audio.extensions == [
            HeaderExtensionModel(id: 1, uri: MediaPolicy.audioLevelURI), HeaderExtensionModel(id: 3, uri: MediaPolicy.transportCCURI),
            HeaderExtensionModel(id: 4, uri: MediaPolicy.midURI),
        ])
        #expect(audio.direction == .sendrecv && audio.rtcpMux && audio.rtcpReducedSize)
        #expect(audio.ssrcs == [101] && audio.cname == "me")

        let video = answer.sections[1]
        // 102 is Baseline (42001f), not Constrained Baseline: RFC 6184 §8.2.2 matches by profile.
        #expect(video.codecs.map(\.payloadType) == [96, 106])
        #expect(video.codecs[0].feedback == ["goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"])
        #expect(video.extensions.map(\.id) == [2, 4])
        #expect(video.ssrcs == [102])

        let data = answer.sections[2]
        #expect(data.port == 0 && data.mediaFormats == ["webrtc-datachannel"])

        #expect(result.remoteTracks.map(\.mid) == ["0", "1"])
        #expect(result.remoteTracks[1].ssrcs == [2222, 3333])
        #expect(result.localTracks.map(\.ssrc) == [101, 102])
    }

    @Test("without sendBack the answer is recvonly and announces no SSRC")
    func receiveOnly() throws {
        let result = try AnswerRules.answer(to: chromeLikeOffer(), local: local, policy: MediaPolicy(), sendBack: false, cname: "me")
        #expect(result.local.sections.prefix(2).allSatisfy { $0.direction == .recvonly && $0.ssrcs.isEmpty })
        #expect(result.localTracks.isEmpty)
        #expect(result.remoteTracks.count == 2)
    }

    @Test("RFC 8842 §5.1: a passive offerer makes us the DTLS client")
    func passiveOffer() throws {
        let result = try AnswerRules.answer(to: chromeLikeOffer(setup: .passive), local: local, policy: MediaPolicy(), sendBack: true, cname: "me")
        #expect(result.local.transport.setup == .active)
        #expect(result.dtlsRole == .client)
    }

    @Test("policy without transport-cc drops its extension and feedback")
    func policyFilters() throws {
        let result = try AnswerRules.answer(to: chromeLikeOffer(), local: local, policy: .withoutTransportCC, sendBack: true, cname: "me")
        #expect(!result.local.sections[1].extensions.contains { $0.uri == MediaPolicy.transportCCURI })
        #expect(!result.local.sections[1].codecs[0].feedback.contains("transport-cc"))
    }

    @Test("the audio level is kept on audio sections only, and a policy without it drops it")
    func audioLevelOnAudioOnly() throws {
        var offer = chromeLikeOffer()
        offer.sections[1].extensions.append(HeaderExtensionModel(id: 1, uri: MediaPolicy.audioLevelURI))
        let result = try AnswerRules.answer(to: offer, local: local, policy: MediaPolicy(), sendBack: true, cname: "me")
        #expect(result.local.sections[0].extensions.contains { $0.uri == MediaPolicy.audioLevelURI })
        #expect(!result.local.sections[1].extensions.contains { $0.uri == MediaPolicy.audioLevelURI })
        let without = try AnswerRules.answer(
            to: chromeLikeOffer(), local: local, policy: MediaPolicy(audioHeaderExtensions: []), sendBack: true, cname: "me")
        #expect(!without.local.sections[0].extensions.contains { $0.uri == MediaPolicy.audioLevelURI })
    }

    @Test("our offer lists the audio level on audio sections only, with one id per URI across the bundle")
    func offerAudioLevel() {
        let offer = OfferRules.offer(kinds: [.audio, .video, .audio], local: local, policy: MediaPolicy(), cname: "me").offer
        let audioIDs = offer.sections[0].extensions
        #expect(audioIDs.map(\.uri) == [MediaPolicy.midURI, MediaPolicy.absSendTimeURI, MediaPolicy.transportCCURI, MediaPolicy.audioLevelURI])
        #expect(audioIDs.map(\.id) == [1, 2, 3, 4])
        #expect(offer.sections[1].extensions.map(\.id) == [1, 2, 3])
        #expect(offer.sections[2].extensions == audioIDs)
    }

    @Test("offers we cannot use are refused with a reason")
    func refusals() {
        var noBundle = chromeLikeOffer()
        noBundle.bundle = []
        #expect(throws: NegotiationError.unsupported("an offer without a=group:BUNDLE")) {
            try AnswerRules.answer(to: noBundle, local: local, policy: MediaPolicy(), sendBack: true, cname: "me")
        }
        var noFingerprint = chromeLikeOffer()
        noFingerprint.transport.fingerprints = []
        #expect(throws: NegotiationError.missing("a=fingerprint")) {
            try AnswerRules.answer(to: noFingerprint, local: local, policy: MediaPolicy(), sendBack: true, cname: "me")
        }
        var noMux = chromeLikeOffer()
        for index in noMux.sections.indices { noMux.sections[index].rtcpMux = false }
        #expect(throws: NegotiationError.nothingAccepted) {
            try AnswerRules.answer(to: noMux, local: local, policy: MediaPolicy(), sendBack: true, cname: "me")
        }
    }

    @Test("client: our offer, then the server's answer applied to it")
    func offerThenAnswer() throws {
        var client = local
        client.iceLite = false
        let (offer, tracks) = OfferRules.offer(kinds: [.audio, .video], local: client, policy: MediaPolicy(), cname: "cl")
        #expect(offer.transport.setup == .actpass && offer.bundle == ["0", "1"])
        let answered = try AnswerRules.answer(to: offer, local: local, policy: MediaPolicy(), sendBack: true, cname: "sv")
        #expect(answered.remoteTracks.map(\.ssrcs) == tracks.map { [$0.ssrc] })
        let applied = try OfferRules.apply(answer: answered.local, to: offer, localTracks: tracks)
        #expect(applied.dtlsRole == .client)
        #expect(applied.localTracks == tracks)
        #expect(applied.remoteTracks.map(\.ssrcs) == answered.localTracks.map { [$0.ssrc] })
        #expect(applied.remoteTracks.map { $0.codecs.map(\.name) } == [["opus"], ["VP8", "H264"]])
    }
}
