import Foundation
import MeetProtocol

/// One socket's copy of its meeting's breakout plan, and what the plan
/// means for that socket: which events reach it, whom its roster and
/// active speakers show, whom it may subscribe to. Sans I/O.
///
/// Every replica's sessions adopt each plan from the room channel (the
/// `breakout` event, in order with the events it scopes), and a session
/// reads the stored plan at `join`, so a resumed socket on another replica
/// is scoped as before. While rooms are open (or closing), an event about
/// a participant (``RoomBusMessage/subject``) reaches only the sockets in
/// the same room as that participant (the main room is a room too);
/// meeting-wide events (no subject) reach everyone.
struct BreakoutView: Sendable, Equatable {
    let me: UUID
    private(set) var plan: BreakoutPlan?

    init(me: UUID, plan: BreakoutPlan? = nil) {
        self.me = me
        self.plan = plan
    }

    /// Who shares a room with whom, seen from this socket: when it changes,
    /// the socket gets a new `breakout-scope`.
    struct Partition: Equatable {
        var scope: UUID?
        /// In a room: the people assigned to it; in the main room: the
        /// people assigned away (hidden). Empty while rooms are not open.
        var people: Set<UUID>
    }

    /// The room this socket is in; nil: the main room.
    var scope: UUID? { self.plan?.scope(of: self.me) }

    var roomName: String? {
        guard let scope = self.scope else { return nil }
        return self.plan?.rooms.first { $0.id == scope }?.name
    }

    var partition: Partition {
        guard let plan = self.plan, plan.isActive else { return Partition(scope: nil, people: []) }
        let scope = plan.scope(of: self.me)
        let people = plan.assignments.filter { scope == nil || $0.roomId == scope }.map(\.participantId)
        return Partition(scope: scope, people: Set(people))
    }

    /// Whether a chat stored in breakout room `room` reaches this socket:
    /// only while it is in that room.
    func sees(room: UUID) -> Bool {
        self.scope == room
    }

    /// Whether an event about `subject` reaches this socket.
    func sees(_ subject: UUID) -> Bool {
        guard let plan = self.plan, plan.isActive else { return true }
        return plan.scope(of: subject) == plan.scope(of: self.me)
    }

    /// Takes `plan` when it is newer than the one held. True when whom this
    /// socket shares a room with changed (send it a `breakout-scope`).
    mutating func adopt(_ plan: BreakoutPlan) -> Bool {
        if let held = self.plan, held.meetingId == plan.meetingId, held.revision >= plan.revision { return false }
        let before = self.partition
        self.plan = plan
        return self.partition != before
    }

    /// The subscriptions to people in another room (one record per
    /// publisher of a per-node connection): what the server closes when
    /// the plan moves people apart (``BreakoutSubscriptions``).
    func outOfScope(_ subscriptions: [SubscriptionRecord]) -> [SubscriptionRecord] {
        subscriptions.filter { !self.sees($0.publisherParticipantId) }
    }

    /// The ranking without the speakers of other rooms.
    func filter(_ speakers: ActiveSpeakers) -> ActiveSpeakers {
        ActiveSpeakers(speakers: speakers.speakers.filter { self.sees($0.participantId) })
    }

    /// The snapshot without the people (and tracks) of other rooms.
    func filter(_ snapshot: RoomSnapshot) -> RoomSnapshot {
        var snapshot = snapshot
        snapshot.participants = snapshot.participants.filter { self.sees($0.id) }
        snapshot.tracks = snapshot.tracks.filter { self.sees($0.participantId) }
        return snapshot
    }
}

extension ServerMessage {
    /// The participant a room event is about, for breakout scoping
    /// (``RoomBusMessage/subject``): nil for meeting-wide events. A private
    /// chat message is not scoped (it reaches its recipient, or the hosts,
    /// in whatever room they are).
    var breakoutSubject: UUID? {
        switch self {
        case .participantJoined(let event), .participantUpdated(let event): event.participant.id
        case .participantLeft(let event): event.participantId
        case .tracks(let event): event.participantId
        case .reaction(let event): event.participantId
        case .chat(let message): message.recipient == nil ? message.participantId : nil
        default: nil
        }
    }

    /// The breakout room a room `chat` was stored in (``RoomBusMessage/breakoutRoom``).
    var breakoutRoom: UUID? {
        if case .chat(let message) = self, message.recipient == nil { return message.breakoutRoomId }
        return nil
    }
}
