public import Foundation
public import Logging
public import MeetBus
public import MeetProtocol
public import MeetRedis

/// How replicas talk to each other: room channels for room-wide events, one
/// inbox per replica for messages to one socket. Typed messages over
/// MeetBus's ``MessageBus``: room events are `event` envelopes of type
/// `ws.room-event` on the room channel; instructions for one socket are
/// `ws.inbox` events on the holding replica's inbox, which is this
/// replica's ``BusEndpoint`` inbox (so the SFU's request/reply traffic
/// shares it).
///
/// Two layers, not three: the bus (a ``BusEndpoint`` over Redis in
/// production, over MeetBus's in-memory transport in tests) and this. A
/// subscription decodes as it is read (``BusStream``): the hub's pump is the
/// only task between the Redis connection and the sessions, and the only
/// buffer is the subscription's own (`MEET_WS_BUS_BUFFER_MESSAGES`; drops
/// counted in `meet_redis_pubsub_dropped_total`, and for the inbox in
/// `meet_bus_inbox_dropped_total`).
public struct SignalingBus: Sendable {
    public static let roomEventType = RoomChannels.eventType
    public static let inboxType = "ws.inbox"

    let bus: any MessageBus
    let keys: SignalingKeys
    let logger: Logger

    public init(bus: any MessageBus, keys: SignalingKeys, logger: Logger) {
        self.bus = bus
        self.keys = keys
        self.logger = logger
    }

    /// Publishes on the room's channel; every subscribed replica gets it once.
    public func publish(_ message: RoomBusMessage) async throws {
        try await self.bus.publish(Self.roomEventType, message, to: self.keys.room(message.meetingId))
    }

    /// Publishes on `ws:{replicaId}`; false when no replica listens there.
    @discardableResult
    public func send(_ message: InboxBusMessage, toReplica replicaId: String) async throws -> Bool {
        try await self.bus.publish(Self.inboxType, message, to: self.keys.inbox(replicaId)) > 0
    }

    /// Subscribes to a room's channel; returns once the subscription is live.
    public func subscribe(room meetingId: UUID) async throws -> SignalingSubscription<RoomBusMessage> {
        let subscription = try await self.bus.subscribe(to: self.keys.room(meetingId))
        return self.decoded(subscription, type: Self.roomEventType) { subscription.cancel() }
    }

    /// Subscribes to a user's channel (MeetProtocol's ``UserChannels``: what
    /// meet-api pushes to the user's sockets); returns once it is live.
    public func subscribe(user userId: UUID) async throws -> SignalingSubscription<UserBusMessage> {
        let subscription = try await self.bus.subscribe(to: self.keys.user(userId))
        return self.decoded(subscription, type: UserChannels.eventType) { subscription.cancel() }
    }

    /// Subscribes to this replica's inbox, which is the bus endpoint's own:
    /// `replicaId` must be this replica's. One subscriber at a time.
    public func subscribe(inbox replicaId: String) async throws -> SignalingSubscription<InboxBusMessage> {
        self.decoded(self.bus.inboxEvents, type: Self.inboxType) {}
    }

    /// Each loss and restoration of this replica's subscriptions: what was
    /// published in between never reached it.
    public func connectionEvents() -> AsyncStream<PubSubEvent> {
        self.bus.connectionEvents()
    }

    /// Bodies of `type`, decoded as they are read; anything else on the
    /// channel (another version's message, say) is logged and skipped,
    /// never fatal.
    private func decoded<Messages: AsyncSequence & Sendable, Element: Codable & Sendable>(
        _ messages: Messages, type: String, cancel: @escaping @Sendable () -> Void
    ) -> SignalingSubscription<Element> where Messages.Element == BusMessage, Messages.Failure == Never {
        let logger = self.logger
        return SignalingSubscription(messages: BusStream(messages, cancel: cancel) { message in
            guard message.type == type else { return nil }
            do {
                return try message.decode(Element.self)
            } catch {
                logger.warning("undecodable bus message", metadata: ["channel": "\(message.channel)"])
                return nil
            }
        })
    }
}

/// Messages of one subscription, in publish order, and a way to stop them.
public struct SignalingSubscription<Element: Sendable>: Sendable {
    public let messages: BusStream<Element>

    public init(messages: BusStream<Element>) {
        self.messages = messages
    }

    public func cancel() { self.messages.cancel() }
}
