import Logging
import MeetProtocol
import MeetRTC
import Testing

import MeetSFU
@testable import MeetSFUNode

/// A new subscriber does not wait for the publisher's next natural
/// keyframe: when its transport connects, each of its down-tracks asks
/// the publisher for one (through the track's keyframe-request throttle).
@Suite("TransportManager: keyframe request when a subscriber connects", .serialized)
struct SubscribeKeyframeLoopbackTests {
    @Test("a subscriber connecting to a publisher that is already sending makes a PLI reach the publisher")
    func pliOnConnect() async throws {
        let harness = try await LoopbackHarness.connected(kinds: [.video])
        let ssrc = try harness.publisherTrack(.video).ssrc
        // The track is routed and bob gets media.
        var sequence: UInt16 = 0
        try await waitUntil("bob receives video") {
            sequence &+= 1
            try await harness.publish(.video, sequence: sequence, payloadType: 96, payload: ForwardingLoopbackTests.vp8Keyframe)
            return try await !harness.received(.video).isEmpty
        }
        // Nothing held back by the throttle any more (so a later PLI is carol's).
        let publisher = try await harness.nodePublisher()
        try await waitUntil("no keyframe request pending") {
            try await harness.onNode { publisher.router.track(ssrc: ssrc)?.keyframeThrottle.isPending == false }
        }
        let before = try await harness.pliCount(media: ssrc)

        let carolSocket = try await RTCSocket.bind(host: "127.0.0.1", port: 0)
        let carol = PeerConnection(role: .client, socket: carolSocket, configuration: LoopbackHarness.rtc, delegate: Recorder())
        let subscription = try await harness.manager.createSubscriber(
            CreateSubscriberRequest(participantId: "carol", publisherParticipantId: "alice"))
        let answer = try await carol.acceptOffer(subscription.offer, sendBack: false)
        try await harness.manager.acceptSubscriberAnswer(SubscriberAnswerRequest(transportId: subscription.transportId, answer: answer))
        try await waitUntil("carol connected") { try await onLoop(carol) { carol.state == .connected } }
        try await waitUntil("a PLI for carol reached the publisher") { try await harness.pliCount(media: ssrc) > before }
        try await carolSocket.close()
        try await harness.shutdown()
    }
}
