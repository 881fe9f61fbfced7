public import Foundation
public import Logging
public import MeetProtocol
import Metrics
import MeetBus

/// This replica's switchboard: which sessions it holds, which rooms they
/// are in, and the bus subscriptions that feed them.
///
/// It subscribes to a room's channel when its first local session enters
/// and drops it after the last leaves, and it routes each bus message to
/// the mailboxes of the sessions concerned, in the order the bus delivered
/// them (one pump task per room subscription, reading the Redis
/// subscription through ``SignalingBus``'s decoding, awaited message by
/// message), which is what keeps events in order per sender. Delivering to a
/// mailbox never waits: a session that falls behind overflows its bounded
/// mailbox and is closed (``SessionMailbox``), so one slow socket cannot
/// stall its room's pump, and the subscription's buffer is bounded by
/// `MEET_WS_BUS_BUFFER_MESSAGES`. It decides nothing about the protocol;
/// sessions do.
public actor SignalingHub {
    private struct Room {
        var members: Set<UUID> = []
        var ready: Task<SignalingSubscription<RoomBusMessage>, any Error>
        var subscription: SignalingSubscription<RoomBusMessage>?
        var pump: Task<Void, Never>?
    }

    public nonisolated let replicaId: String
    private let bus: SignalingBus
    private let metrics: WSMetrics
    private let logger: Logger
    private var sessions: [UUID: SessionMailbox] = [:]
    private var rooms: [UUID: Room] = [:]
    /// Chat ids delivered lately: a message that arrives twice (a replay
    /// after a bus outage, a second outbox send) is delivered once.
    private var recentChats = RecentChats()
    /// What meet-api pushes to the users of this replica's sockets (notifications).
    nonisolated let userPushes: NotificationRelay

    public init(replicaId: String, bus: SignalingBus, metrics: WSMetrics, logger: Logger) {
        self.replicaId = replicaId
        self.bus = bus
        self.metrics = metrics
        self.logger = logger
        self.userPushes = NotificationRelay(bus: bus, origin: replicaId, logger: logger)
    }

    public func attach(_ mailbox: SessionMailbox) {
        self.sessions[mailbox.connectionId] = mailbox
        self.userPushes.attach(mailbox)
    }

    public func detach(_ connectionId: UUID) {
        self.sessions[connectionId] = nil
        self.userPushes.detach(connectionId)
    }

    /// Adds a session to its room, subscribing to the room channel first
    /// when needed; returns once room events will reach it.
    public func enterRoom(_ connectionId: UUID, meetingId: UUID) async throws {
        if self.rooms[meetingId] != nil {
            self.rooms[meetingId]?.members.insert(connectionId)
            _ = try await self.rooms[meetingId]?.ready.value
            return
        }
        let bus = self.bus
        let ready = Task { try await bus.subscribe(room: meetingId) }
        self.rooms[meetingId] = Room(members: [connectionId], ready: ready)
        let subscription: SignalingSubscription<RoomBusMessage>
        do {
            subscription = try await ready.value
        } catch {
            self.rooms[meetingId] = nil
            throw error
        }
        guard self.rooms[meetingId] != nil else {
            subscription.cancel()  // everyone left while we subscribed
            return
        }
        self.rooms[meetingId]?.subscription = subscription
        self.rooms[meetingId]?.pump = Task { [weak self] in
            for await message in subscription.messages {
                await self?.route(room: message)
            }
        }
    }

    /// Removes a session from its room; the last one out unsubscribes.
    public func leaveRoom(_ connectionId: UUID, meetingId: UUID) {
        guard var room = self.rooms[meetingId] else { return }
        room.members.remove(connectionId)
        if room.members.isEmpty {
            room.subscription?.cancel()
            room.pump?.cancel()
            self.rooms[meetingId] = nil
        } else {
            self.rooms[meetingId] = room
        }
    }

    /// Delivers a room event to every local session of that room; a
    /// membership notice (``RoomBusMessage/seatChangedType``) only to the
    /// sessions of the user it names.
    public func route(room message: RoomBusMessage) {
        self.metrics.busLatency(sentAtMs: message.sentAtMs, inbox: false)
        let onlyUser = message.type == RoomBusMessage.seatChangedType ? message.userId : nil
        if message.type == RoomBusMessage.seatChangedType, onlyUser == nil { return }
        if let chatId = RecentChats.chatId(of: message), !self.recentChats.insert(chatId) {
            self.metrics.chatDuplicates.increment()
            return
        }
        for connectionId in self.rooms[message.meetingId]?.members ?? [] {
            guard let mailbox = self.sessions[connectionId] else { continue }
            if let onlyUser, mailbox.identity.userId != onlyUser { continue }
            mailbox.deliver(.room(message))
        }
    }

    /// Delivers a room event made on this replica for its own sessions of
    /// the room (`active-speakers`, which every replica builds itself): as
    /// ``route(room:)`` without the bus-latency metric and the chat check.
    public func deliver(local message: RoomBusMessage) {
        for connectionId in self.rooms[message.meetingId]?.members ?? [] {
            self.sessions[connectionId]?.deliver(.room(message))
        }
    }

    /// Delivers an inbox message to the participant's local session(s).
    public func route(inbox message: InboxBusMessage) {
        self.metrics.busLatency(sentAtMs: message.sentAtMs, inbox: true)
        for mailbox in self.sessions.values where mailbox.identity.participantId == message.participantId {
            if let connectionId = message.connectionId, connectionId != mailbox.connectionId { continue }
            mailbox.deliver(.inbox(message))
        }
    }

    /// Delivers an inbox message made on this replica (a node event turned
    /// into a frame for one participant, ``PublisherLayersRelay``) to the
    /// participant's local session(s): as ``route(inbox:)`` without the
    /// bus-latency metric.
    public func deliver(local message: InboxBusMessage) {
        for mailbox in self.sessions.values where mailbox.identity.participantId == message.participantId {
            mailbox.deliver(.inbox(message))
        }
    }

    /// Delivers a node's transport-closed event to the participant's local
    /// session(s); returns whether there was one.
    @discardableResult
    public func route(sfu event: SFUTransportClosedEvent) -> Bool {
        guard let participantId = UUID(uuidString: event.participantId) else { return false }
        var delivered = false
        for mailbox in self.sessions.values where mailbox.identity.participantId == participantId {
            mailbox.deliver(.sfu(event))
            delivered = true
        }
        return delivered
    }

    /// Hands every local session news of leaving SFU nodes (each session
    /// checks whether its publication is on one).
    public func notify(_ notice: NodeNotice) {
        for mailbox in self.sessions.values { mailbox.deliver(.nodes(notice)) }
    }

    /// The meetings this replica holds sessions of.
    public func meetingIds() -> [UUID] {
        Array(self.rooms.keys)
    }

    /// Of `speaking` (room → participants who speak there), those whose
    /// session is on this replica, recorders left out: whom a talk-time
    /// sample counts here (each replica measures its own sockets). Walks
    /// only the rooms with speakers.
    public func localSpeakers(_ speaking: [UUID: Set<UUID>]) -> Set<UUID> {
        var result: Set<UUID> = []
        for (meetingId, speakers) in speaking {
            for connectionId in self.rooms[meetingId]?.members ?? [] {
                guard let identity = self.sessions[connectionId]?.identity, !identity.isRecorder,
                    speakers.contains(identity.participantId)
                else { continue }
                result.insert(identity.participantId)
            }
        }
        return result
    }

    /// Presence keys of every local session that is in a room (for the heartbeat).
    public func roomMembers() -> [PresenceKey] {
        self.rooms.values.flatMap { room in
            room.members.compactMap { self.sessions[$0]?.identity.presenceKey }
        }
    }

    /// Asks every session to close (graceful shutdown); clients reconnect
    /// elsewhere and resume within the grace period.
    public func shutdownAll() {
        for mailbox in self.sessions.values { mailbox.deliver(.shutdown) }
        self.userPushes.closeUserSockets()
    }

    public var sessionCount: Int { self.sessions.count }
}
