import Logging
import MeetProtocol
import MeetSTUN
import NIOCore
import NIOPosix
import Testing
@testable import MeetRTC

import NIOConcurrencyHelpers
@testable import MeetSFUNode

/// Subscriber transports answer checks before the answer (docs/rtc.md,
/// "Early checks"); an answer that does not match them ends the transport.
@Suite("TransportManager: subscriber checks before the answer", .serialized)
struct EarlyCheckLoopbackTests {
    static func attribute(_ name: String, in sdp: String) throws -> String {
        let line = try #require(sdp.split(whereSeparator: \.isNewline).first { $0.hasPrefix("a=\(name):") })
        return String(line.dropFirst("a=\(name):".count))
    }

    @Test("a subscriber whose early checks used another ufrag than its answer fails at ICE, is announced and forgotten")
    func mismatchedAnswer() async throws {
        let harness = try await LoopbackHarness.connected(kinds: [.audio])
        let subscription = try await harness.manager.createSubscriber(
            CreateSubscriberRequest(participantId: "carol", publisherParticipantId: "alice"))
        let ufrag = try Self.attribute("ice-ufrag", in: subscription.offer)
        let password = try Self.attribute("ice-pwd", in: subscription.offer)
        // An authenticated check (it knows the offer's password) naming a ufrag the answer will not carry.
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let request = STUNMessage.bindingRequest(
            username: "\(ufrag):impostor", priority: 1, role: .controlling(tieBreaker: 9), useCandidate: true)
        let bytes = request.encode(integrityKey: STUNMessage.shortTermKey(password: password), fingerprint: true)
        try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: harness.serverSocket.localAddress, data: ByteBuffer(bytes: bytes)))
        let id = subscription.transportId
        try await waitUntil("the early check connected ICE") {
            try await harness.onNode { harness.manager.registry.subscribers[id]?.connection?.stats.stages.iceConnected == true }
        }

        let carolSocket = try await RTCSocket.bind(host: "127.0.0.1", port: 0)
        let carol = PeerConnection(role: .client, socket: carolSocket, configuration: LoopbackHarness.rtc, delegate: nil)
        let answer = try await carol.acceptOffer(subscription.offer, sendBack: false)
        try await harness.manager.acceptSubscriberAnswer(SubscriberAnswerRequest(transportId: id, answer: answer))
        let event = try #require(harness.events.withLockedValue { $0.first { $0.transportId == id } })
        #expect(event.reason == "ice_failed" && event.participantId == "carol")
        let publisher = try await harness.nodePublisher()
        #expect(try await harness.onNode { harness.manager.registry.subscribers[id] == nil && publisher.subscribers[id] == nil })
        try await channel.close()
        try await carolSocket.close()
        try await harness.shutdown()
    }
}
