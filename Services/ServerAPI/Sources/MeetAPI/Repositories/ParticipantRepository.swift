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
    /// Chat history, newest first, with ids below `before`: the room's
    /// messages and the private ones `viewer` may see (``MessageViewer``);
    /// with `text`, only those holding all its words (full-text search,
    /// `websearch_to_tsquery` with the `simple` configuration: no stemming).
    func messages(meetingId: UUID, matching text: String?, before: Int64?, limit: Int, viewer: MessageViewer) async throws
        -> [MessageRecord]

    // MARK: Reports (docs/openapi.yaml, reports)

    /// Every seat taken in the meeting (seated at least once).
    func attendance(meetingId: UUID) async throws -> [AttendanceRow]
    /// The meeting's chat messages, private ones included.
    func chatCount(meetingId: UUID) async throws -> Int
    /// The user's seats in any meeting, newest first, at most `limit`.
    func participations(userId: UUID, limit: Int) async throws -> [ParticipationRow]
    /// How many meetings the user owns.
    func meetingsOwned(userId: UUID) async throws -> Int
}

/// Who reads a meeting's chat history, for private messages: a message to
/// one participant is shown to its sender and recipient only (a user sees
/// those of all its participations), one to the hosts to its sender and
/// whoever is a host when it is read.
struct MessageViewer: Sendable, Equatable {
    /// The reader's participant (a join token), if any.
    var participantId: UUID?
    /// The reader's account, if any.
    var userId: UUID?
    /// Owner or host now.
    var isHost: Bool

    /// Whether `message` is the room's or one this viewer may see.
    func sees(_ message: MessageRecord, recipientUserId: UUID?) -> Bool {
        if message.toParticipantId == nil, !message.toHosts { return true }
        if let participantId, message.participantId == participantId || message.toParticipantId == participantId { return true }
        if let userId, message.userId == userId || (message.toParticipantId != nil && recipientUserId == userId) { return true }
        return message.toHosts && self.isHost
    }
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
