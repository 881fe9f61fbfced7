import MeetProtocol
import MeetRTC
import NIOCore

/// What the control handler, the registry heartbeat and the drain need of a
/// node's transports: one ``TransportManager`` (one worker, tests) or the
/// ``TransportWorkers`` of a node with several (docs/dev/sfu-workers.md).
protocol NodeTransports: Sendable {
    func createPublisher(_ request: CreatePublisherRequest) async throws -> CreatePublisherReply
    func createSubscriber(_ request: CreateSubscriberRequest) async throws -> CreateSubscriberReply
    func acceptSubscriberAnswer(_ request: SubscriberAnswerRequest) async throws
    func renegotiatePublisher(_ request: RenegotiatePublisherRequest) async throws -> CreatePublisherReply
    func renegotiateSubscriber(_ request: RenegotiateSubscriberRequest) async throws -> CreateSubscriberReply
    func removeSubscription(_ request: RemoveSubscriptionRequest) async throws -> RemoveSubscriptionReply
    func setMute(_ request: SetMuteRequest) async throws -> SetMuteReply
    func setVideoSelection(_ request: SetVideoSelectionRequest) async throws -> SetVideoSelectionReply
    func close(transportId: String) async throws -> Int
    func retire(transportId: String) async throws -> Int
    func close(participantId: String) async throws -> Int

    func startDraining() async
    var isDraining: Bool { get async }
    var transportCount: Int { get async }
    func observeTransportCount(_ observer: @escaping TransportManager.CountObserver) async -> Int
    func snapshot() async throws -> TransportSnapshot
    func closeAll() async

    /// The forwarding loops, one per worker (per-worker CPU in `/metrics`).
    var eventLoops: [any EventLoop] { get }
    /// The node's one UDP port.
    var localAddress: SocketAddress { get }
}

extension TransportManager: NodeTransports {
    var eventLoops: [any EventLoop] { [eventLoop] }
    var localAddress: SocketAddress { socket.localAddress }
}
