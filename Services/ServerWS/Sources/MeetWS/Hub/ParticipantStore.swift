import Foundation
import MeetProtocol

/// The durable side of signaling (a port): participant status and
/// `ws_node_id`, chat messages, and ending a meeting, in PostgreSQL
/// (``PostgresParticipantStore``). ServerAPI reads the same rows, so the
/// participant list and chat history over REST follow what happens here.
public protocol ParticipantStore: Sendable {
    /// The participant's current status and its meeting's, or nil when unknown.
    func standing(participantId: UUID) async throws -> ParticipantStanding?
    /// The socket is up on `replicaId`: `joined` (or still `waiting`).
    func markConnected(participantId: UUID, status: ParticipantStatus, replicaId: String) async throws
    /// Ends the participation with `left` or `kicked`.
    func markGone(participantId: UUID, status: ParticipantStatus) async throws
    /// Records the SFU node the participant publishes on (`participants.sfu_node_id`), nil when none.
    func markPublishing(participantId: UUID, nodeId: String?) async throws
    /// Stores a chat message and returns it with its id and time.
    func saveChat(meetingId: UUID, participant: ParticipantInfo, body: String) async throws -> ChatMessage
    /// Ends the meeting and every live participation in it.
    func endMeeting(meetingId: UUID) async throws
}

/// What the upgrade check needs to know about a token's participant.
public struct ParticipantStanding: Sendable, Equatable {
    public var meetingId: UUID
    public var status: ParticipantStatus
    public var meetingStatus: MeetingStatus

    public init(meetingId: UUID, status: ParticipantStatus, meetingStatus: MeetingStatus) {
        self.meetingId = meetingId
        self.status = status
        self.meetingStatus = meetingStatus
    }

    /// A socket may be opened: the meeting runs and the participant has not left or been kicked.
    public var mayConnect: Bool { self.meetingStatus == .active && self.status.isLive }
}
