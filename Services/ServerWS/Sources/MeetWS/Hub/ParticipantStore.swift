public import Foundation
public import MeetProtocol

/// The durable side of signaling (a port): participant status and
/// `ws_node_id`, chat messages, and ending a meeting, in PostgreSQL
/// (``PostgresParticipantStore``). ServerAPI reads the same rows, so the
/// participant list and chat history over REST follow what happens here.
public protocol ParticipantStore: Sendable {
    /// The participant's current status, role and its meeting's status, or
    /// nil when unknown. Read again before every privileged action: the
    /// role in a join token is only a hint.
    func standing(participantId: UUID) async throws -> ParticipantStanding?
    /// Takes (or keeps, on a resume) the participant's seat on `replicaId`,
    /// atomically against the meeting's capacity: under a lock on the
    /// meeting row, a `joining` participant becomes `joined` unless the room
    /// is full (owners and hosts always get in), or `waiting` when the
    /// meeting has a waiting room and the participant is no member (any
    /// more). With `admitting`, a `waiting` participant becomes `joined`
    /// under the same capacity rule (a host's `admit`).
    func takeSeat(participantId: UUID, meetingId: UUID, replicaId: String?, admitting: Bool) async throws -> SeatOutcome
    /// Kicks the participant, in one transaction: ends its participation
    /// (`kicked`) and bans it from the meeting (its user, or a guest's
    /// address and device id); `by` is the host's participant id.
    func kick(participantId: UUID, by: UUID) async throws
    /// Ends the participation with `left` or `kicked`.
    func markGone(participantId: UUID, status: ParticipantStatus) async throws
    /// Records the SFU node the participant publishes on (`participants.sfu_node_id`), nil when none.
    func markPublishing(participantId: UUID, nodeId: String?) async throws
    /// Stores a chat message, in the outbox until ``chatsDelivered(ids:)``,
    /// and returns it with its id and time. With `attachment`, in the same
    /// transaction, the sender's unsent upload of this meeting goes with it
    /// (the message carries it); any other id throws ``ChatAttachmentUnavailable``
    /// and nothing is stored.
    func saveChat(meetingId: UUID, participant: ParticipantInfo, body: String, to recipient: ChatRecipient?, attachment: UUID?)
        async throws -> ChatMessage
    /// Ends the meeting and every live participation in it.
    func endMeeting(meetingId: UUID) async throws
    /// The room fan-out of these chat messages went out: they leave the
    /// outbox, in one statement however many they are.
    func chatsDelivered(ids: [String]) async throws
    /// Leases up to `limit` chat messages of the outbox that have been in it
    /// for at least `minAge` (their own fan-out failed, or their replica
    /// died before it) and are not leased by anyone, oldest first: nobody
    /// else claims them for `lease`. The caller publishes them, marks what
    /// it published (``chatsDelivered(ids:)``) and releases the rest
    /// (``releaseChats(ids:)``); if it dies first, they are claimed again
    /// when the lease ends.
    func claimUndeliveredChats(minAge: Duration, lease: Duration, limit: Int) async throws
        -> [(meetingId: UUID, message: ChatMessage)]
    /// Gives leased messages back to the outbox before their lease ends.
    func releaseChats(ids: [String]) async throws
    /// The chat messages of these meetings stored in the last `within`
    /// (at most the newest `limit`), oldest first: what a replica whose bus
    /// subscriptions were cut off for that long may have missed.
    func recentChats(meetingIds: [UUID], within: Duration, limit: Int) async throws -> [(meetingId: UUID, message: ChatMessage)]
    /// A recorder seat's standing (docs/dev/recording.md): true while
    /// `recordingId` is an active recording (`starting`, `recording`) of
    /// `meetingId`, a running meeting.
    func recorderMayConnect(recordingId: UUID, meetingId: UUID) async throws -> Bool
    /// `record-start`: a new recording of the meeting in `starting`, or nil
    /// when the meeting already has an active one (the rule of meet-api's
    /// REST start: MeetDatabase's `RecordingSQL`).
    func startRecording(meetingId: UUID, startedBy: UUID) async throws -> RecordingStarted?
    /// `record-stop` and `end-meeting`: asks the meeting's active recording
    /// to stop with `reason`; nil when none was active.
    func stopRecording(meetingId: UUID, reason: String) async throws -> RecordingStopped?
    /// The meeting's active recording, if any: a joiner's `recording`.
    func activeRecording(meetingId: UUID) async throws -> RecordingStarted?
}

extension ParticipantStore {
    /// Stores without an outbox (unit-test stores) deliver nothing later.
    public func chatsDelivered(ids: [String]) async throws {}
    public func claimUndeliveredChats(minAge: Duration, lease: Duration, limit: Int) async throws
        -> [(meetingId: UUID, message: ChatMessage)]
    {
        []
    }
    public func releaseChats(ids: [String]) async throws {}
    /// Stores without recordings (unit-test stores) let no recorder in, record nothing and have nothing to stop.
    public func recorderMayConnect(recordingId: UUID, meetingId: UUID) async throws -> Bool { false }
    public func startRecording(meetingId: UUID, startedBy: UUID) async throws -> RecordingStarted? { throw RecordingUnsupported() }
    public func stopRecording(meetingId: UUID, reason: String) async throws -> RecordingStopped? { nil }
    public func activeRecording(meetingId: UUID) async throws -> RecordingStarted? { nil }
    public func recentChats(meetingIds: [UUID], within: Duration, limit: Int) async throws -> [(meetingId: UUID, message: ChatMessage)] {
        []
    }
}

/// A store that keeps no recordings was asked to start one.
public struct RecordingUnsupported: Error, Sendable {}

/// What the upgrade check and every privileged action need to know about
/// a participant, as PostgreSQL has it now.
public struct ParticipantStanding: Sendable, Equatable {
    public var meetingId: UUID
    public var status: ParticipantStatus
    public var meetingStatus: MeetingStatus
    /// The role now: owner for the meeting's owner, the member role for a
    /// member, attendee for anyone else (a guest, a removed member).
    public var role: MemberRole

    public init(meetingId: UUID, status: ParticipantStatus, meetingStatus: MeetingStatus, role: MemberRole = .attendee) {
        self.meetingId = meetingId
        self.status = status
        self.meetingStatus = meetingStatus
        self.role = role
    }

    /// A socket may be opened: the meeting runs and the participant has not left or been kicked.
    public var mayConnect: Bool { self.meetingStatus == .active && self.status.isLive }

    /// Host controls are allowed: in the room, of a running meeting, as owner or host now.
    public var mayManage: Bool { self.meetingStatus == .active && self.status == .joined && self.role.canManage }
}

/// What ``ParticipantStore/takeSeat(participantId:meetingId:replicaId:admitting:)`` decided.
public enum SeatOutcome: Sendable, Equatable {
    /// In the room, with the role the participant has now.
    case joined(MemberRole)
    /// In the waiting room.
    case waiting(MemberRole)
    /// The meeting is at its capacity. A `join`'s participation was ended
    /// (`left`); an admitted one keeps waiting.
    case full
    /// No such participant in that meeting.
    case unknown
    /// The meeting has ended.
    case ended
    /// The participation is over (left or kicked).
    case gone
}

extension ParticipantStore {
    /// A chat message to the room.
    public func saveChat(meetingId: UUID, participant: ParticipantInfo, body: String) async throws -> ChatMessage {
        try await self.saveChat(meetingId: meetingId, participant: participant, body: body, to: nil, attachment: nil)
    }

    /// A chat message without a file.
    public func saveChat(meetingId: UUID, participant: ParticipantInfo, body: String, to recipient: ChatRecipient?) async throws
        -> ChatMessage
    {
        try await self.saveChat(meetingId: meetingId, participant: participant, body: body, to: recipient, attachment: nil)
    }
}

/// A `chat`'s `attachmentId` that is not an unsent upload of its sender in
/// this meeting (unknown, someone else's, or already sent): `not_found`.
public struct ChatAttachmentUnavailable: Error, Equatable, Sendable {
    public let attachmentId: UUID
}
