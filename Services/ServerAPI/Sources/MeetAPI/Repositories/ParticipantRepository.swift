import Foundation
import MeetProtocol

/// Participants (one row per join) and chat messages.
///
/// A participant is *live* when `joined`, or `joining`/`waiting` and either
/// connected to a signaling replica (`ws_node_id` set, which ServerWS does on
/// connect) or younger than the join token's lifetime. An unused join token
/// that expired can never connect, so its row stops holding a seat.
protocol ParticipantRepository: Sendable {
    /// Under a lock on the meeting row: checks it is active and below
    /// capacity (owners and hosts are admitted past it), then inserts the participant.
    func admit(_ participant: NewParticipant, liveWindow: Duration) async throws -> AdmitResult
    func listLive(meetingId: UUID, liveWindow: Duration) async throws -> [ParticipantRecord]
    func find(id: UUID) async throws -> ParticipantRecord?
    /// Chat history, newest first, with ids below `before`.
    func messages(meetingId: UUID, before: Int64?, limit: Int) async throws -> [MessageRecord]
}

struct NewParticipant: Sendable {
    var id: UUID
    var meetingId: UUID
    var userId: UUID?
    var guestId: UUID?
    var displayName: String
    var role: MemberRole
    var status: ParticipantStatus
    /// Where the join came from, stored with the row: what a later kick bans.
    var origin: JoinOrigin
}

enum AdmitResult: Sendable, Equatable {
    case admitted(ParticipantRecord)
    case full
    case ended
    case notFound
}
