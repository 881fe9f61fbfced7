public import Foundation
public import MeetProtocol
public import MeetRedis

/// How replicas talk to each other (a port): room channels for room-wide
/// events, one inbox per replica for messages to one socket.
///
/// ``MessageBusSignalingBus`` implements it on MeetRedis's ``MessageBus``
/// (Redis pub/sub in production, its in-memory transport in tests).
public protocol SignalingBus: Sendable {
    /// Publishes on the room's channel; every subscribed replica gets it once.
    func publish(_ message: RoomBusMessage) async throws
    /// Publishes on `ws:{replicaId}`; false when no replica listens there.
    @discardableResult
    func send(_ message: InboxBusMessage, toReplica replicaId: String) async throws -> Bool
    /// Subscribes to a room's channel; returns once the subscription is live.
    func subscribe(room meetingId: UUID) async throws -> SignalingSubscription<RoomBusMessage>
    /// Subscribes to this replica's inbox; returns once the subscription is live.
    func subscribe(inbox replicaId: String) async throws -> SignalingSubscription<InboxBusMessage>
    /// Each loss and restoration of this replica's subscriptions: what was
    /// published in between never reached it.
    func connectionEvents() -> AsyncStream<PubSubEvent>
}

extension SignalingBus {
    /// A bus that cannot lose its subscriptions (in memory) has no events.
    public func connectionEvents() -> AsyncStream<PubSubEvent> {
        AsyncStream { $0.finish() }
    }
}

/// Messages of one subscription, in publish order, and a way to stop them.
public struct SignalingSubscription<Element: Sendable>: Sendable {
    public let messages: AsyncStream<Element>
    private let onCancel: @Sendable () -> Void

    public init(messages: AsyncStream<Element>, onCancel: @escaping @Sendable () -> Void) {
        self.messages = messages
        self.onCancel = onCancel
    }

    public func cancel() { self.onCancel() }
}
