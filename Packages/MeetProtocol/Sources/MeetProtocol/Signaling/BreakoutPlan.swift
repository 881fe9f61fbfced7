public import Foundation

/// One breakout room of a meeting (issue #21 item 5).
public struct BreakoutRoom: Codable, Sendable, Equatable, Hashable {
    public var id: UUID
    public var name: String

    public init(id: UUID = UUID(), name: String) {
        self.id = id
        self.name = name
    }
}

/// Who sits in which breakout room.
public struct BreakoutAssignment: Codable, Sendable, Equatable, Hashable {
    public var participantId: UUID
    public var roomId: UUID
    /// The name the person had when assigned: a host's panel lists the
    /// people of every room, though its roster shows only its own room's.
    public var displayName: String?

    public init(participantId: UUID, roomId: UUID, displayName: String? = nil) {
        self.participantId = participantId
        self.roomId = roomId
        self.displayName = displayName
    }
}

/// Where a meeting's breakout rooms are in their life.
///
/// ```
///  closed ──create──► draft ──open──► open ──close / timer──► closing ──countdown over──► closed
///                      ▲  └─create─┘                                                        │
///                      └───────────────────────────create───────────────────────────────────┘
/// ```
public enum BreakoutStatus: String, Codable, Sendable, Equatable {
    /// Rooms exist and people may be assigned; everyone is still in the main room.
    case draft
    /// Everyone assigned is in their room (scoped media, events and chat).
    case open
    /// The rooms close at `returnAt`; people are still in them and see the countdown.
    case closing
    /// Everyone is back in the main room.
    case closed
}

/// Why a breakout request was refused: the sender's signaling `error`, as is.
public typealias BreakoutRefusal = SignalingError

/// The breakout rooms of one meeting and their rules, sans I/O: every host
/// request is one transition here (each bumps `revision`), the timer and the
/// countdown are ``tick(now:)`` with the caller's clock. Stored whole in
/// PostgreSQL (`breakouts`), so a replica crash or a node drain loses no
/// assignment; every replica reads the same plan.
public struct BreakoutPlan: Codable, Sendable, Equatable {
    public var meetingId: UUID
    public var status: BreakoutStatus
    public var rooms: [BreakoutRoom]
    /// Sorted by participant id; one entry per assigned participant.
    public var assignments: [BreakoutAssignment]
    /// When an open plan closes on its own (the timer); nil: no timer.
    public var endsAt: Date?
    /// While `closing`: when everyone is back in the main room.
    public var returnAt: Date?
    /// Bumped by every change; clients apply the highest they saw.
    public var revision: Int

    public init(meetingId: UUID) {
        self.meetingId = meetingId
        self.status = .closed
        self.rooms = []
        self.assignments = []
        self.revision = 0
    }

    /// Whether rooms are in use now: people are in them (open or closing).
    public var isActive: Bool { self.status == .open || self.status == .closing }

    /// The room `participantId` is in now; nil: the main room (also when
    /// the rooms are not open, or the participant is not assigned).
    public func scope(of participantId: UUID) -> UUID? {
        guard self.isActive else { return nil }
        return self.room(of: participantId)
    }

    /// The room `participantId` is assigned to, open or not.
    public func room(of participantId: UUID) -> UUID? {
        self.assignments.first { $0.participantId == participantId }?.roomId
    }

    /// The next moment ``tick(now:)`` has something to do.
    public var nextDeadline: Date? {
        switch self.status {
        case .open: self.endsAt
        case .closing: self.returnAt
        case .draft, .closed: nil
        }
    }

    // MARK: Transitions (host requests)

    /// Replaces the rooms (and drops every assignment): not while open.
    public mutating func create(_ rooms: [BreakoutRoom]) throws(BreakoutRefusal) {
        guard !self.isActive else { throw BreakoutRefusal(.badRequest, "breakout rooms are open; close them first") }
        guard (1...BreakoutLimits.maxRooms).contains(rooms.count) else {
            throw BreakoutRefusal(.invalidData, "breakout-create: 1 to \(BreakoutLimits.maxRooms) rooms")
        }
        self.rooms = rooms
        self.assignments = []
        self.status = .draft
        self.endsAt = nil
        self.returnAt = nil
        self.revision += 1
    }

    /// Puts `participantId` in `roomId` (nil: back to the main room). In a
    /// draft it is a plan; while open the person moves at once (a host
    /// assigning itself visits that room).
    public mutating func assign(_ participantId: UUID, to roomId: UUID?, displayName: String? = nil) throws(BreakoutRefusal) {
        guard self.status == .draft || self.status == .open else {
            throw BreakoutRefusal(.badRequest, "no breakout rooms to assign to; breakout-create first")
        }
        if let roomId, !self.rooms.contains(where: { $0.id == roomId }) {
            throw BreakoutRefusal(.notFound, "no such breakout room")
        }
        var assignments = self.assignments.filter { $0.participantId != participantId }
        if let roomId {
            guard assignments.count < BreakoutLimits.maxAssignments else {
                throw BreakoutRefusal(.badRequest, "at most \(BreakoutLimits.maxAssignments) people in breakout rooms")
            }
            assignments.append(BreakoutAssignment(participantId: participantId, roomId: roomId, displayName: displayName))
            assignments.sort { $0.participantId.uuidString < $1.participantId.uuidString }
        }
        guard assignments != self.assignments else { return }
        self.assignments = assignments
        self.revision += 1
    }

    /// Spreads `participants` not yet assigned over the rooms, each to the
    /// room with the fewest people (the first such room on a tie), in the
    /// order given; those already assigned keep their room.
    public mutating func autoAssign(_ participants: [(id: UUID, name: String?)]) throws(BreakoutRefusal) {
        guard self.status == .draft || self.status == .open else {
            throw BreakoutRefusal(.badRequest, "no breakout rooms to assign to; breakout-create first")
        }
        var counts = Dictionary(uniqueKeysWithValues: self.rooms.map { ($0.id, 0) })
        for assignment in self.assignments { counts[assignment.roomId, default: 0] += 1 }
        for participant in participants where self.room(of: participant.id) == nil {
            guard let room = self.rooms.min(by: { counts[$0.id, default: 0] < counts[$1.id, default: 0] }) else { return }
            try self.assign(participant.id, to: room.id, displayName: participant.name)
            counts[room.id, default: 0] += 1
        }
    }

    /// Opens the rooms: everyone assigned moves. `duration`: close on its own after it.
    public mutating func open(now: Date, duration: Duration?) throws(BreakoutRefusal) {
        guard self.status == .draft else {
            throw BreakoutRefusal(.badRequest, self.isActive ? "breakout rooms are already open" : "breakout-create first")
        }
        if let duration {
            guard duration >= .seconds(BreakoutLimits.minDurationSeconds), duration <= .seconds(BreakoutLimits.maxDurationSeconds) else {
                throw BreakoutRefusal(
                    .invalidData,
                    "breakout-open: durationSeconds \(BreakoutLimits.minDurationSeconds) to \(BreakoutLimits.maxDurationSeconds)")
            }
            self.endsAt = now.addingTimeInterval(Double(duration.components.seconds))
        } else {
            self.endsAt = nil
        }
        self.status = .open
        self.returnAt = nil
        self.revision += 1
    }

    /// Starts the countdown back to the main room.
    public mutating func close(now: Date, countdown: Duration) throws(BreakoutRefusal) {
        guard self.status == .open else {
            throw BreakoutRefusal(.badRequest, self.status == .closing ? "breakout rooms are already closing" : "breakout rooms are not open")
        }
        guard countdown >= .zero, countdown <= .seconds(BreakoutLimits.maxCountdownSeconds) else {
            throw BreakoutRefusal(.invalidData, "breakout-close: countdownSeconds 0 to \(BreakoutLimits.maxCountdownSeconds)")
        }
        self.status = .closing
        self.returnAt = now.addingTimeInterval(Double(countdown.components.seconds))
        self.revision += 1
    }

    /// The clock moved: an open plan whose timer ran out starts closing
    /// (`countdown`), a closing one whose countdown is over closes. True
    /// when it changed anything.
    @discardableResult
    public mutating func tick(now: Date, countdown: Duration) -> Bool {
        switch self.status {
        case .open:
            guard let endsAt = self.endsAt, endsAt <= now else { return false }
            self.status = .closing
            self.returnAt = now.addingTimeInterval(Double(countdown.components.seconds))
        case .closing:
            guard let returnAt = self.returnAt, returnAt <= now else { return false }
            self.status = .closed
            self.endsAt = nil
            self.returnAt = nil
        case .draft, .closed:
            return false
        }
        self.revision += 1
        return true
    }
}

/// The bounds of breakout rooms (docs/signaling.md, Breakout rooms).
public enum BreakoutLimits {
    /// Rooms per meeting.
    public static let maxRooms = 50
    /// Characters of a room name.
    public static let maxNameLength = 64
    /// People assigned at once.
    public static let maxAssignments = 1000
    /// A timer, in seconds: 1 minute to 12 hours.
    public static let minDurationSeconds: Int64 = 60
    public static let maxDurationSeconds: Int64 = 12 * 3600
    /// The countdown back to the main room, in seconds.
    public static let maxCountdownSeconds: Int64 = 300
    /// The countdown when none is given, and when a timer runs out.
    public static let defaultCountdownSeconds: Int64 = 15
    /// Characters of a `breakout-broadcast`.
    public static let maxBroadcastLength = 500
    /// Breakout requests: this many at once, then `perSecond`.
    public static let burst = 20
    public static let perSecond = 5
}
