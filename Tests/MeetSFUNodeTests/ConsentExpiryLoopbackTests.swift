import Logging
import MeetProtocol
import NIOConcurrencyHelpers
import NIOCore
import Testing
@testable import MeetRTC
@testable import MeetSFUNode

/// RFC 7675 consent on the node, with the ICE and DTLS timers in the
/// socket's per-loop queue (docs/dev/sfu-idle.md, item 3): a publisher whose
/// peer goes silent is closed with `ice_failed` once its consent expires,
/// and leaves nothing in the loop's timer queue. Real time over loopback
/// UDP: the node's consent timeout is 1.5 s and our client checks consent
/// every 5 s, so from the node's side it goes silent once connected; the
/// wait is bounded generously and nothing is asserted about how fast.
@Suite("Consent expiry on the node (loopback)", .serialized)
struct ConsentExpiryLoopbackTests {
    @Test("a silent publisher's consent expires: the node closes it (ice_failed) and keeps no timer for it")
    func silentPublisherIsClosed() async throws {
        var nodeConfiguration = LoopbackHarness.rtc
        nodeConfiguration.consentTimeout = .milliseconds(1500)
        let serverSocket = try await RTCSocket.bind(host: "127.0.0.1", port: 0)
        let clientSocket = try await RTCSocket.bind(host: "127.0.0.1", port: 0)
        let events = NIOLockedValueBox<[SFUTransportClosedEvent]>([])
        let manager = TransportManager(
            socket: serverSocket, configuration: nodeConfiguration, logger: Logger(label: "test"), nodeId: "node-test",
            migrationTimeout: .seconds(10), receiverEstimate: false,
            events: { event in events.withLockedValue { $0.append(event) } })
        let client = PeerConnection(
            role: .client, socket: clientSocket, configuration: LoopbackHarness.rtc, delegate: Recorder())

        let offer = try await client.createOffer(kinds: [.audio])
        let published = try await manager.createPublisher(
            CreatePublisherRequest(participantId: "alice", roomId: "room-1", offer: offer, sources: nil))
        try await client.acceptAnswer(published.answer)

        let timers = serverSocket.timers
        try await waitUntil("the node closed the silent publisher", within: 30) {
            events.withLockedValue { $0.contains { $0.transportId == published.transportId } }
        }
        let closed = try #require(events.withLockedValue { $0.first { $0.transportId == published.transportId } })
        #expect(closed.role == .publisher)
        #expect(closed.reason == TransportCloseReason.iceFailed.rawValue)
        #expect(try await serverSocket.eventLoop.submit { manager.registry.publishers.isEmpty }.get())
        #expect(try await serverSocket.eventLoop.submit { timers.allocatedCount }.get() == 0)
        #expect(try await serverSocket.eventLoop.submit { timers.isArmed }.get() == false)

        await manager.closeAll()
        try await clientSocket.close()
        try await serverSocket.close()
    }
}
