public import Foundation
public import MeetProtocol

/// Who a socket speaks for: the verified join token's claims, fixed for
/// the socket's lifetime. A token for meeting A can only ever act in A,
/// because every room operation is keyed by this identity's meeting.
public struct SessionIdentity: Sendable, Equatable {
    public var meetingId: UUID
    public var meetingCode: String
    public var participantId: UUID
    public var role: MemberRole
    public var displayName: String
    public var userId: UUID?
    /// An end-to-end encrypted meeting (from the token: fixed at the
    /// meeting's creation): publish and subscribe must say `e2ee: true`.
    public var e2ee: Bool
    /// Set for a recorder's hidden seat: the recording it records
    /// (docs/dev/recording.md). Its standing is that recording being active.
    public var recordingId: UUID?

    public init(
        meetingId: UUID, meetingCode: String, participantId: UUID, role: MemberRole, displayName: String, userId: UUID?,
        e2ee: Bool = false, recordingId: UUID? = nil
    ) {
        self.e2ee = e2ee
        self.meetingId = meetingId
        self.meetingCode = meetingCode
        self.participantId = participantId
        self.role = role
        self.displayName = displayName
        self.userId = userId
        self.recordingId = recordingId
    }

    public init(claims: JoinTokenClaims) {
        self.init(
            meetingId: claims.meetingId, meetingCode: claims.meetingCode, participantId: claims.participantId,
            role: claims.role, displayName: claims.displayName, userId: claims.userId, e2ee: claims.e2ee,
            recordingId: claims.recordingId
        )
    }

    /// Owner and host may mute, kick, admit and deny (never a recorder seat).
    public var isHost: Bool { self.recordingId == nil && self.role.canManage }

    /// A recorder's hidden seat: it only subscribes.
    public var isRecorder: Bool { self.recordingId != nil }

    /// The participant as others see it, with media off and hand down.
    public var participant: ParticipantInfo {
        ParticipantInfo(
            id: self.participantId, displayName: self.displayName, role: self.role, userId: self.userId,
            guest: self.userId == nil
        )
    }

    public var presenceKey: PresenceKey { PresenceKey(meetingId: self.meetingId, participantId: self.participantId) }
}
