import Foundation
import MeetProtocol

/// Meetings. The creator becomes the `owner` member in the same transaction.
protocol MeetingRepository: Sendable {
    /// Throws ``RepositoryError/codeTaken`` when `code` exists (the caller retries with another).
    func create(_ meeting: NewMeeting) async throws -> MeetingRecord
    func find(code: String) async throws -> MeetingRecord?
    /// The meetings `userId` is a member of, newest first, after the meeting `cursor`.
    func list(memberId: UUID, after cursor: UUID?, limit: Int) async throws -> [(MeetingRecord, MemberRole)]
    /// Applies `changes` to an active meeting; `nil` when it is not active.
    func update(id: UUID, changes: MeetingChanges) async throws -> MeetingRecord?
    /// Ends an active meeting and marks its live participants `left`; false when not active.
    func end(id: UUID) async throws -> Bool
}

struct NewMeeting: Sendable {
    var code: String
    var title: String
    var passwordHash: String?
    var waitingRoom: Bool
    var capacity: Int?
    var e2ee = false
    var ownerId: UUID
}

/// A PATCH of a meeting, already validated (and the password hashed).
struct MeetingChanges: Sendable {
    var title: String?
    var passwordHash: FieldUpdate<String> = .unchanged
    var waitingRoom: Bool?
    var capacity: FieldUpdate<Int> = .unchanged
}

/// Members of meetings.
protocol MemberRepository: Sendable {
    func role(meetingId: UUID, userId: UUID) async throws -> MemberRole?
    func list(meetingId: UUID) async throws -> [MemberRecord]
    /// Throws ``RepositoryError/alreadyMember`` or ``RepositoryError/userNotFound``.
    func add(meetingId: UUID, userId: UUID, role: MemberRole) async throws -> MemberRecord
    /// `nil` when `userId` is not a member.
    func updateRole(meetingId: UUID, userId: UUID, role: MemberRole) async throws -> MemberRecord?
    /// False when `userId` was not a member.
    func remove(meetingId: UUID, userId: UUID) async throws -> Bool
}
