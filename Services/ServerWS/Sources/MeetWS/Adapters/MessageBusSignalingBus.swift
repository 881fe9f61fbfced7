public import Foundation
public import Logging
public import MeetProtocol
public import MeetRedis

/// ``SignalingBus`` on MeetRedis's ``MessageBus``: room events are `event`
/// envelopes of type `ws.room-event` on the room channel, instructions for
/// one socket are `ws.inbox` events on the holding replica's inbox, which
/// is this replica's ``BusEndpoint`` inbox (so the SFU's later request/reply
/// traffic shares it).
public struct MessageBusSignalingBus: SignalingBus {
    public static let roomEventType = RoomChannels.eventType
    public static let inboxType = "ws.inbox"

    let bus: any MessageBus
    let keys: SignalingKeys
    let logger: Logger
    /// Decoded messages each pump holds for the hub before dropping the
    /// oldest (`MEET_WS_BUS_BUFFER_MESSAGES`); drops are counted in
    /// `meet_ws_bus_dropped_total`. The hub routes without waiting on any
    /// session, so this fills only when the replica is starved of CPU.
    let bufferLimit: Int
    let metrics: WSMetrics?

    public init(bus: any MessageBus, keys: SignalingKeys, logger: Logger, bufferLimit: Int = 4096, metrics: WSMetrics? = nil) {
        self.bus = bus
        self.keys = keys
        self.logger = logger
        self.bufferLimit = bufferLimit
        self.metrics = metrics
    }

    public func publish(_ message: RoomBusMessage) async throws {
        try await self.bus.publish(Self.roomEventType, message, to: self.keys.room(message.meetingId))
    }

    public func send(_ message: InboxBusMessage, toReplica replicaId: String) async throws -> Bool {
        try await self.bus.publish(Self.inboxType, message, to: self.keys.inbox(replicaId)) > 0
    }

    public func subscribe(room meetingId: UUID) async throws -> SignalingSubscription<RoomBusMessage> {
        let subscription = try await self.bus.subscribe(to: self.keys.room(meetingId))
        return self.decoded(subscription, type: Self.roomEventType, as: RoomBusMessage.self) { subscription.cancel() }
    }

    /// The inbox is the bus endpoint's own: `replicaId` must be this replica's.
    public func subscribe(inbox replicaId: String) async throws -> SignalingSubscription<InboxBusMessage> {
        self.decoded(self.bus.inboxEvents, type: Self.inboxType, as: InboxBusMessage.self) {}
    }

    public func connectionEvents() -> AsyncStream<PubSubEvent> {
        self.bus.connectionEvents()
    }

    /// Decodes bodies of `type`; anything else on the channel (another
    /// version's message, say) is logged and skipped, never fatal.
    private func decoded<Messages: AsyncSequence & Sendable, Element: Codable & Sendable>(
        _ messages: Messages, type: String, as _: Element.Type, cancel: @escaping @Sendable () -> Void
    ) -> SignalingSubscription<Element> where Messages.Element == BusMessage {
        let (stream, continuation) = AsyncStream.makeStream(of: Element.self, bufferingPolicy: .bufferingNewest(self.bufferLimit))
        let logger = self.logger
        let metrics = self.metrics
        let isInbox = type == Self.inboxType
        let pump = Task {
            do {
                for try await message in messages {
                    guard message.type == type else { continue }
                    do {
                        if case .dropped = continuation.yield(try message.decode(Element.self)) {
                            metrics?.busDropped(inbox: isInbox)
                        }
                    } catch {
                        logger.warning("undecodable bus message", metadata: ["channel": "\(message.channel)"])
                    }
                }
            } catch {}
            continuation.finish()
        }
        return SignalingSubscription(messages: stream) {
            cancel()
            pump.cancel()
            continuation.finish()
        }
    }
}
