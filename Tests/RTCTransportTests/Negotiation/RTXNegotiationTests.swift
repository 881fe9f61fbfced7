import MeetDTLS
@testable import MeetRTC
import Testing

/// RTX (RFC 4588 §8.6) in the SFU's offers to subscribers: an `rtx`
/// payload type after each video codec and an RTX SSRC per video stream
/// in `a=ssrc-group:FID` (RFC 5576 §4.2); the answer decides.
@Suite("RTX negotiation (RFC 4588)")
struct RTXNegotiationTests {
    static let fingerprint = DTLSFingerprint(algorithm: .sha256, digest: Array(repeating: 0xCD, count: 32))
    let local = LocalTransport(
        iceUfrag: "locl", icePassword: "0123456789012345678901", fingerprint: Self.fingerprint,
        candidateIP: "127.0.0.1", candidatePort: 40000, iceLite: true)

    var offering: MediaPolicy {
        var policy = MediaPolicy()
        policy.offersRTX = true
        return policy
    }

    @Test("§8.6: the offer lists rtx apt=96 after VP8 and apt=102 after H.264, and FID pairs each video SSRC with its RTX SSRC")
    func offer() throws {
        var next: UInt32 = 100
        let (offer, tracks) = OfferRules.offer(
            kinds: [.audio, .video], direction: .sendonly, local: local, policy: offering, cname: "c",
            newSSRC: { next += 1; return next })
        let video = offer.sections[1]
        #expect(video.codecs.map(\.payloadType) == [96, 97, 102, 103])
        #expect(video.codecs[1].name == "rtx" && video.codecs[1].parameters == "apt=96" && video.codecs[1].feedback.isEmpty)
        #expect(video.codecs[3].parameters == "apt=102")
        let track = try #require(tracks.first { $0.kind == .video })
        let rtx = try #require(track.rtxSSRC)
        #expect(video.ssrcs == [track.ssrc, rtx])
        #expect(video.ssrcGroups.map(\.semantics) == ["FID"] && video.ssrcGroups.map(\.ssrcs) == [[track.ssrc, rtx]])
        // Audio has none; the SDP round-trips and passes the validator (apt rule, SSRC uniqueness).
        #expect(offer.sections[0].codecs.allSatisfy { $0.name != "rtx" } && tracks[0].rtxSSRC == nil)
        let text = offer.sdp
        #expect(text.contains("a=rtpmap:97 rtx/90000\r\n") && text.contains("a=fmtp:97 apt=96\r\n"))
        #expect(text.contains("a=ssrc-group:FID \(track.ssrc) \(rtx)\r\n"))
        #expect(text.contains("a=ssrc:\(rtx) cname:c\r\n"))
        let parsed = try SessionModel(sdp: text).sections[1]
        #expect(parsed.codecs == video.codecs && parsed.ssrcs == video.ssrcs)
        #expect(parsed.ssrcGroups.map(\.ssrcs) == [[track.ssrc, rtx]])
        // Off (the default): as before.
        let (plain, plainTracks) = OfferRules.offer(kinds: [.video], direction: .sendonly, local: local, policy: MediaPolicy(), cname: "c")
        #expect(plain.sections[0].codecs.map(\.payloadType) == [96, 102] && plainTracks[0].rtxSSRC == nil)
        #expect(plain.sections[0].ssrcGroups.isEmpty)
    }

    @Test("an answer that takes RTX keeps it in the negotiated codecs; one that does not (the default policy) drops it")
    func answer() throws {
        let (offer, tracks) = OfferRules.offer(kinds: [.video], direction: .sendonly, local: local, policy: offering, cname: "c")
        let remote = try SessionModel(sdp: offer.sdp)
        var taking = MediaPolicy()
        taking.acceptsRTX = true
        let took = try AnswerRules.answer(to: remote, local: local, policy: taking, sendBack: false, cname: "s")
        #expect(took.local.sections[0].codecs.map(\.payloadType) == [96, 97, 102, 103])
        #expect(took.local.sections[0].codecs.map(\.parameters)[1] == "apt=96")
        // The receiver knows both SSRCs of the track (media and RTX).
        #expect(took.remoteTracks[0].ssrcs == [tracks[0].ssrc, try #require(tracks[0].rtxSSRC)])
        let applied = try OfferRules.apply(answer: try SessionModel(sdp: took.local.sdp), to: offer, localTracks: tracks)
        #expect(applied.localTracks[0].rtxSSRC == tracks[0].rtxSSRC)

        let dropped = try AnswerRules.answer(to: remote, local: local, policy: MediaPolicy(), sendBack: false, cname: "s")
        #expect(dropped.local.sections[0].codecs.map(\.payloadType) == [96, 102])
        // An RTX whose apt names a codec not taken is not taken either.
        var vp8Only = taking
        vp8Only.acceptH264 = false
        let vp8 = try AnswerRules.answer(to: remote, local: local, policy: vp8Only, sendBack: false, cname: "s")
        #expect(vp8.local.sections[0].codecs.map(\.payloadType) == [96, 97])
    }

    @Test("a re-offer's new video section gets its own RTX SSRC; a deactivated one loses its FID group")
    func reoffer() throws {
        let (offer, tracks) = OfferRules.offer(kinds: [.video], direction: .sendonly, local: local, policy: offering, cname: "c")
        var taking = MediaPolicy()
        taking.acceptsRTX = true
        let answer = try AnswerRules.answer(to: try SessionModel(sdp: offer.sdp), local: local, policy: taking, sendBack: false, cname: "s")
        let previous = Negotiation(local: offer, remote: answer.local, dtlsRole: .server, sendBack: false, offerDirection: .sendonly)
        let (reoffer, reofferTracks) = ReofferRules.offer(
            previous: previous, localTracks: tracks, changes: ["0": .deactivate], appending: [.video], local: local,
            restartCredentials: nil, policy: offering, cname: "c")
        #expect(reoffer.sections[0].ssrcs.isEmpty && reoffer.sections[0].ssrcGroups.isEmpty)
        let added = try #require(reofferTracks.first { $0.mid == "1" })
        let rtx = try #require(added.rtxSSRC)
        #expect(reoffer.sections[1].ssrcGroups.map(\.ssrcs) == [[added.ssrc, rtx]])
        #expect(reoffer.sections[1].codecs.map(\.payloadType) == [96, 97, 102, 103])
        _ = try SessionModel(sdp: reoffer.sdp)
    }
}
