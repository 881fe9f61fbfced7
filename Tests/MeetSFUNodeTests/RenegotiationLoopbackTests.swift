import MeetProtocol
@testable import MeetRTC
import NIOCore
import Testing

@testable import MeetSFUNode

/// `sfu.renegotiate-publisher` / `sfu.renegotiate-subscriber` over loopback:
/// a publisher adds a screen track mid-call, the subscriber's transport is
/// re-offered with it, media of the new track arrives, and the track that
/// stayed keeps its numbering; then the screen track is removed again.
@Suite("TransportManager: renegotiation over loopback", .serialized)
struct RenegotiationLoopbackTests {
    @Test("adding and removing a publisher track renegotiates both transports")
    func addAndRemoveTrack() async throws {
        let harness = try await LoopbackHarness.connected(kinds: [.audio, .video])
        var audioSequence: UInt16 = 10
        try await waitUntil("audio flows") {
            audioSequence &+= 1
            try await harness.publish(.audio, sequence: audioSequence, payloadType: 111, payload: [0xAA])
            return try await harness.received(.audio).count >= 3
        }

        // The publisher adds a second video section: a screen share.
        let reoffer = try await harness.publisher.createReoffer(kinds: [.audio, .video, .video])
        let renegotiated = try await harness.manager.renegotiatePublisher(
            RenegotiatePublisherRequest(transportId: harness.published.transportId, offer: reoffer))
        #expect(renegotiated.transportId == harness.published.transportId)
        #expect(renegotiated.tracks.map(\.source) == [.mic, .camera, .screen])
        try await harness.publisher.acceptAnswer(renegotiated.answer)
        let screen = try #require(try await onLoop(harness.publisher) { harness.publisher.localTracks }.first { $0.mid == "2" })

        // The subscriber's transport is re-offered with the new section.
        let subscriberOffer = try await harness.manager.renegotiateSubscriber(
            RenegotiateSubscriberRequest(transportId: harness.subscription.transportId))
        #expect(subscriberOffer.tracks.map(\.source) == [.mic, .camera, .screen])
        #expect(subscriberOffer.tracks.map(\.id) == renegotiated.tracks.map(\.id))
        let answer = try await harness.subscriber.acceptReoffer(subscriberOffer.offer)
        try await harness.manager.acceptSubscriberAnswer(
            SubscriberAnswerRequest(transportId: harness.subscription.transportId, answer: answer))
        let screenMid = try #require(subscriberOffer.tracks.first { $0.source == .screen }?.mid)
        let offeredScreen = try #require(
            try await onLoop(harness.subscriber) { harness.subscriber.remoteTracks }.first { $0.mid == screenMid }?.ssrcs.first)

        // Screen media reaches the subscriber on the new section's SSRC.
        var screenSequence: UInt16 = 500
        try await waitUntil("screen packets arrive on the new section") {
            screenSequence &+= 1
            let next = screenSequence
            try await onLoop(harness.publisher) {
                harness.publisher.sendRTP(ForwardingLoopbackTests.rtp(
                    payloadType: 96, sequence: next, ssrc: screen.ssrc, payload: ForwardingLoopbackTests.vp8Keyframe))
            }
            return try await onLoop(harness.subscriber) {
                harness.subscriberMedia.rtp.contains { $0.mid == screenMid && Array($0.bytes[8..<12]) == ForwardingLoopbackTests.bytes(offeredScreen) }
            }
        }

        // Audio kept its down-track: its numbering never restarted.
        let before = try await harness.received(.audio).count
        try await waitUntil("audio still flows") {
            audioSequence &+= 1
            try await harness.publish(.audio, sequence: audioSequence, payloadType: 111, payload: [0xBB])
            return try await harness.received(.audio).count >= before + 3
        }
        let audio = try await harness.received(.audio)
        for (previous, next) in zip(audio, audio.dropFirst()) { #expect(next.sequence == previous.sequence &+ 1) }

        // The screen share stops: both sides renegotiate it away.
        let removal = try await harness.publisher.createReoffer(kinds: [.audio, .video], removing: ["2"])
        let reply = try await harness.manager.renegotiatePublisher(
            RenegotiatePublisherRequest(transportId: harness.published.transportId, offer: removal))
        #expect(reply.tracks.map(\.source) == [.mic, .camera])
        try await harness.publisher.acceptAnswer(reply.answer)
        let routed = try await harness.onNode { (try? harness.nodePublisherSync())?.routed.values.map(\.mid) ?? [] }
        #expect(!routed.contains("2"))
        let shrunk = try await harness.manager.renegotiateSubscriber(
            RenegotiateSubscriberRequest(transportId: harness.subscription.transportId, iceRestart: true))
        #expect(shrunk.tracks.map(\.source) == [.mic, .camera])
        let restartAnswer = try await harness.subscriber.acceptReoffer(shrunk.offer)
        try await harness.manager.acceptSubscriberAnswer(
            SubscriberAnswerRequest(transportId: harness.subscription.transportId, answer: restartAnswer))

        // After the ICE restart, audio still arrives.
        let count = try await harness.received(.audio).count
        try await waitUntil("audio flows after the ICE restart") {
            audioSequence &+= 1
            try await harness.publish(.audio, sequence: audioSequence, payloadType: 111, payload: [0xCC])
            return try await harness.received(.audio).count >= count + 3
        }

        // Unknown transports are refused with the stable code.
        await #expect(throws: SFUControlError.unknownTransport("nope")) {
            _ = try await harness.manager.renegotiateSubscriber(RenegotiateSubscriberRequest(transportId: "nope"))
        }
        try await harness.shutdown()
    }
}

extension LoopbackHarness {
    /// The publisher transport, read on the node's loop.
    func nodePublisherSync() throws -> PublisherTransport {
        try #require(manager.registry.publishers[published.transportId])
    }
}
