import MeetProtocol

/// Who may list, play and download a meeting's recordings, decided on the
/// state at the request (docs/dev/recording.md, "Playback"). Sans-I/O: the
/// caller reads the role, whether the user had a seat, and the meeting's
/// setting.
///
/// The owner and hosts always may. Then `recording_access`: `members` lets
/// every member (attendees too), `participants` also anyone who had a seat
/// in the meeting, `hosts` nobody else. Someone refused who is a member or
/// had a seat gets 403 (they know the meeting); anyone else 404, so the
/// recording's existence is not revealed.
enum RecordingAccessPolicy {
    enum Decision: Equatable {
        case allow
        case forbidden
        case notFound
    }

    static func decide(role: MemberRole?, participated: Bool, access: RecordingAccess) -> Decision {
        if role == .owner || role == .host { return .allow }
        switch access {
        case .members where role != nil: return .allow
        case .participants where role != nil || participated: return .allow
        default: return role != nil || participated ? .forbidden : .notFound
        }
    }
}
