/// A member's role in a meeting.
///
/// Exactly one `owner` per meeting (its creator). `host` has the owner's
/// powers except ending the meeting; `attendee` has none.
public enum MemberRole: String, Codable, Sendable, CaseIterable {
    case owner
    case host
    case attendee

    /// Whether this role may change the meeting and manage its members.
    public var canManage: Bool { self != .attendee }
}

/// Life cycle of one join of one person.
///
/// `joining` (token issued, socket not yet open) → `joined`, or
/// `waiting` (held in the waiting room) → `joining`/`joined` once admitted;
/// every path ends in `left` or `kicked`. The first three are "live".
public enum ParticipantStatus: String, Codable, Sendable, CaseIterable {
    case joining
    case waiting
    case joined
    case left
    case kicked

    /// Live participants occupy a seat of the meeting's capacity.
    public var isLive: Bool {
        switch self {
        case .joining, .waiting, .joined: true
        case .left, .kicked: false
        }
    }
}

/// Whether a meeting can still be joined.
public enum MeetingStatus: String, Codable, Sendable, CaseIterable {
    case active
    case ended
}
