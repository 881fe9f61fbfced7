import MeetDTLS
@testable import MeetRTC
import Testing

/// RID-based simulcast (RFC 8851 `a=rid`, RFC 8853 `a=simulcast`, RFC 8852
/// RtpStreamId) through the answer rules, on SDP text shaped like Chrome's
/// offer for `addTransceiver(track, {sendEncodings: [{rid: "q",
/// scaleResolutionDownBy: 4}, {rid: "h", scaleResolutionDownBy: 2}, {rid: "f"}]})`:
/// no `a=ssrc` on the simulcast section, the layers only named by RID.
@Suite("Simulcast negotiation")
struct SimulcastNegotiationTests {
    let local = LocalTransport(
        iceUfrag: "locl", icePassword: "0123456789012345678901",
        fingerprint: DTLSFingerprint(algorithm: .sha256, digest: Array(repeating: 0xAB, count: 32)),
        candidateIP: "127.0.0.1", candidatePort: 40000, iceLite: true)

    static let fingerprint = "sha-256 " + Array(repeating: "AB", count: 32).joined(separator: ":")

    /// Chrome's publisher offer: audio, then simulcast video; `videoLines`
    /// replaces the video section's rid/simulcast lines.
    static func chromeOffer(
        videoLines: String = "a=rid:q send\r\na=rid:h send\r\na=rid:f send\r\na=simulcast:send q;h;f\r\n",
        ridExtensions: Bool = true
    ) -> String {
        let transport = "a=ice-ufrag:Lz3f\r\na=ice-pwd:QmKjtb9NLi6pBBfz0yq3Hj0R\r\na=fingerprint:\(fingerprint)\r\na=setup:actpass\r\n"
        let ridMaps = ridExtensions
            ? "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\n"
                + "a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id\r\n"
            : ""
        return "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n"
            + "a=extmap-allow-mixed\r\na=msid-semantic: WMS stream\r\n"
            + "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\n" + transport + "a=mid:0\r\n"
            + "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
            + "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
            + "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
            + "a=sendonly\r\na=msid:stream audio1\r\na=rtcp-mux\r\n"
            + "a=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\na=ssrc:1001 cname:c\r\n"
            + "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\nc=IN IP4 0.0.0.0\r\n" + transport + "a=mid:1\r\n"
            + "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
            + "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
            + "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n" + ridMaps
            + "a=sendonly\r\na=msid:stream video1\r\na=rtcp-mux\r\na=rtcp-rsize\r\n"
            + "a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 goog-remb\r\na=rtcp-fb:96 transport-cc\r\na=rtcp-fb:96 ccm fir\r\n"
            + "a=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\na=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n"
            + videoLines
    }

    func answer(_ offer: String, layers: Int) throws -> NegotiationResult {
        try AnswerRules.answer(
            to: try SessionModel(sdp: offer), local: local, policy: MediaPolicy(simulcastLayers: layers),
            sendBack: false, cname: "sfu")
    }

    @Test("RFC 8853 §5.3.2: the answer receives the offered layers, with the RID extensions kept at the offered ids")
    func answerReceivesLayers() throws {
        let offer = try SessionModel(sdp: Self.chromeOffer())
        #expect(offer.sections[1].simulcast == SimulcastModel(direction: .send, layers: [.init(rid: "q"), .init(rid: "h"), .init(rid: "f")]))
        #expect(offer.sections[1].ssrcs.isEmpty)
        let result = try answer(Self.chromeOffer(), layers: 3)
        let video = try #require(result.local.sections.first { $0.mid == "1" })
        #expect(video.direction == .recvonly)
        #expect(video.simulcast?.direction == .recv)
        #expect(video.simulcast?.rids == ["q", "h", "f"])
        #expect(video.extensions.contains(HeaderExtensionModel(id: 10, uri: MediaPolicy.ridURI)))
        #expect(video.extensions.contains(HeaderExtensionModel(id: 11, uri: MediaPolicy.repairedRidURI)))
        #expect(result.remoteTracks.first { $0.mid == "1" }?.rids == ["q", "h", "f"])
        // Audio has no layers and no RID extensions.
        let audio = try #require(result.local.sections.first { $0.mid == "0" })
        #expect(audio.simulcast == nil && !audio.extensions.contains { $0.uri == MediaPolicy.ridURI })
        #expect(result.remoteTracks.first { $0.mid == "0" }?.rids == [])

        let text = result.local.sdp
        #expect(text.contains("a=rid:q recv\r\na=rid:h recv\r\na=rid:f recv\r\na=simulcast:recv q;h;f\r\n"))
        #expect(text.contains("a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\n"))
        // The answer reads back as it was written.
        #expect(try SessionModel(sdp: text).sections[1].simulcast == video.simulcast)
    }

    @Test("fewer layers than offered: the first ones; paused ones stay paused (RFC 8853 §5.3.2)")
    func answerTakesFirstLayers() throws {
        let offer = Self.chromeOffer(videoLines: "a=rid:q send\r\na=rid:h send\r\na=rid:f send max-width=1280;max-height=720\r\na=simulcast:send q;~h;f\r\n")
        let result = try answer(offer, layers: 2)
        let video = try #require(result.local.sections.first { $0.mid == "1" })
        #expect(video.simulcast == SimulcastModel(direction: .recv, layers: [.init(rid: "q"), .init(rid: "h", paused: true)]))
        #expect(result.local.sdp.contains("a=simulcast:recv q;~h\r\n"))
        // The offer's restriction is read, and not echoed (we impose none).
        #expect(try SessionModel(sdp: offer).sections[1].simulcast?.layers[2].restrictions == "max-width=1280;max-height=720")
        #expect(!result.local.sdp.contains("max-width"))
    }

    @Test("simulcast off (the default), or offered without the RtpStreamId extension: one stream, no a=simulcast")
    func singleStreamFallback() throws {
        for (offer, layers) in [(Self.chromeOffer(), 0), (Self.chromeOffer(ridExtensions: false), 3)] {
            let result = try answer(offer, layers: layers)
            let video = try #require(result.local.sections.first { $0.mid == "1" })
            #expect(video.simulcast == nil)
            #expect(!result.local.sdp.contains("a=simulcast") && !result.local.sdp.contains("a=rid"))
            #expect(result.remoteTracks.first { $0.mid == "1" }?.rids == [])
        }
        // With simulcast off the RID extensions are not negotiated either.
        let off = try answer(Self.chromeOffer(), layers: 0)
        #expect(!off.local.sdp.contains("rtp-stream-id"))
        #expect(MediaPolicy(simulcastLayers: 9).simulcastLayers == MediaPolicy.maximumSimulcastLayers)
    }

    @Test("our offer as a client lists the RID extensions on video only, one id per URI", arguments: [0, 3])
    func clientOfferExtensions(layers: Int) {
        let policy = MediaPolicy(simulcastLayers: layers)
        let (offer, _) = OfferRules.offer(kinds: [.audio, .video], local: local, policy: policy, cname: "c")
        let audio = offer.sections[0].extensions.map(\.uri), video = offer.sections[1].extensions.map(\.uri)
        #expect(!audio.contains(MediaPolicy.ridURI))
        #expect(video.contains(MediaPolicy.ridURI) == (layers > 0))
        #expect(video.contains(MediaPolicy.repairedRidURI) == (layers > 0))
        let ids = (offer.sections[0].extensions + offer.sections[1].extensions).reduce(into: [String: Set<UInt8>]()) {
            $0[$1.uri, default: []].insert($1.id)
        }
        #expect(ids.values.allSatisfy { $0.count == 1 })
    }

    @Test(
        "invalid simulcast is refused as invalid SDP naming the problem",
        arguments: [
            ("a=rid:q send\r\na=simulcast:send q;h\r\n", "no a=rid:h send"),
            ("a=rid:q send\r\na=rid:h recv\r\na=simulcast:send q;h\r\n", "no a=rid:h send"),
            ("a=rid:q send\r\na=rid:q send\r\n", "declared twice"),
            ("a=rid:q send\r\na=simulcast:send q;q\r\n", "names rid \"q\" twice"),
            ("a=rid:q send\r\na=simulcast:send q\r\na=simulcast:send q\r\n", "a=simulcast given twice"),
            ("a=rid:q.x send\r\n", "is not 1 to 16"),
            ("a=rid:abcdefghijklmnopq send\r\n", "is not 1 to 16"),
            ("a=rid:q send pt=98\r\n", "restricts to pt 98"),
            ("a=rid:q sideways\r\n", "malformed a=rid"),
            ("a=rid:q send\r\na=simulcast:send ;;\r\n", "malformed a=simulcast"),
        ])
    func invalidSimulcast(lines: String, problem: String) {
        do {
            _ = try SessionModel(sdp: Self.chromeOffer(videoLines: lines))
            Issue.record("accepted: \(lines)")
        } catch {
            guard case .invalid(let reason) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(reason.contains(problem), "\(reason)")
        }
    }

    @Test("a rid restricted to a listed payload type passes")
    func ridRestrictionPasses() throws {
        let offer = Self.chromeOffer(videoLines: "a=rid:q send pt=96;max-width=320\r\na=rid:h send\r\na=simulcast:send q;h\r\n")
        #expect(try SessionModel(sdp: offer).sections[1].simulcast?.rids == ["q", "h"])
    }
}
