public import Foundation

/// `participant-joined`, `participant-updated`, `admission-request`: one participant.
public struct ParticipantEvent: Codable, Sendable, Equatable {
    public var participant: ParticipantInfo

    public init(participant: ParticipantInfo) {
        self.participant = participant
    }
}

/// Why someone is no longer in the room.
public enum LeaveReason: String, Codable, Sendable, CaseIterable {
    /// Sent `leave`.
    case left
    /// Disconnected and did not come back within the grace period, or its
    /// replica died and its presence expired.
    case timeout
    /// Removed by a host.
    case kicked
}

/// `participant-left`.
public struct ParticipantLeft: Codable, Sendable, Equatable {
    public var participantId: UUID
    public var reason: LeaveReason

    public init(participantId: UUID, reason: LeaveReason) {
        self.participantId = participantId
        self.reason = reason
    }
}

/// `mute-requested`: a host asks the receiver to turn `kind` off.
public struct MuteRequested: Codable, Sendable, Equatable {
    public var kind: MediaKind
    /// The host who asked.
    public var by: UUID

    public init(kind: MediaKind, by: UUID) {
        self.kind = kind
        self.by = by
    }
}

/// `kicked`, `denied`, `meeting-ended`: who did it and why; the socket closes next.
public struct Removal: Codable, Sendable, Equatable {
    public var by: UUID?
    public var reason: String?

    public init(by: UUID?, reason: String? = nil) {
        self.by = by
        self.reason = reason
    }
}

/// `waiting`: the receiver is held in the waiting room until a host decides.
public struct WaitingData: Codable, Sendable, Equatable {
    public var meetingId: UUID
    public var participantId: UUID

    public init(meetingId: UUID, participantId: UUID) {
        self.meetingId = meetingId
        self.participantId = participantId
    }
}

/// How an admission request ended.
public enum AdmissionOutcome: String, Codable, Sendable, CaseIterable {
    case admitted
    case denied
    /// The guest left the waiting room (closed the socket or timed out).
    case left
}

/// `admission-resolved`: tells every host that a request is settled.
public struct AdmissionResolved: Codable, Sendable, Equatable {
    public var participantId: UUID
    public var outcome: AdmissionOutcome
    public var by: UUID?

    public init(participantId: UUID, outcome: AdmissionOutcome, by: UUID?) {
        self.participantId = participantId
        self.outcome = outcome
        self.by = by
    }
}

/// `ack`: the request with this id succeeded. `messageId`/`createdAt` are
/// set for `chat` (the stored message).
public struct AckData: Codable, Sendable, Equatable {
    public var messageId: String?
    public var createdAt: Date?

    public init(messageId: String? = nil, createdAt: Date? = nil) {
        self.messageId = messageId
        self.createdAt = createdAt
    }
}

/// `credentials`: the receiver's seat-bound resume token and its expiry.
///
/// A join token (from REST) lets a client take its seat and resume it only
/// until the token expires (minutes). meet-ws therefore hands every seated
/// socket a resume token (`typ` `resume`, same key, same claims) and a
/// fresh one well before the last expires, for as long as the seat is live.
/// A client keeps the newest and presents it instead of the join token when
/// it reconnects; the upgrade accepts it only while the seat is live in
/// PostgreSQL (not left, kicked or denied, the meeting not ended).
public struct ResumeCredentials: Codable, Sendable, Equatable {
    public var resumeToken: String
    public var expiresAt: Date

    public init(resumeToken: String, expiresAt: Date) {
        self.resumeToken = resumeToken
        self.expiresAt = expiresAt
    }
}
