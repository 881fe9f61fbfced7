public import Foundation

/// `media`: change some of the sender's media sources; omitted ones stay.
public struct MediaUpdate: Codable, Sendable, Equatable {
    public var mic: Bool?
    public var camera: Bool?
    public var screen: Bool?

    public init(mic: Bool? = nil, camera: Bool? = nil, screen: Bool? = nil) {
        self.mic = mic
        self.camera = camera
        self.screen = screen
    }

    /// `state` with the given fields replaced.
    public func applied(to state: MediaState) -> MediaState {
        MediaState(mic: self.mic ?? state.mic, camera: self.camera ?? state.camera, screen: self.screen ?? state.screen)
    }
}

/// `hand`: raise or lower the sender's hand.
public struct HandUpdate: Codable, Sendable, Equatable {
    public var raised: Bool

    public init(raised: Bool) {
        self.raised = raised
    }
}

/// `chat`: a message to everyone in the room.
public struct ChatSend: Codable, Sendable, Equatable {
    /// 1 to ``maxLength`` characters, not only whitespace.
    public var body: String
    /// A private message to this participant of the room (not with `toHosts`).
    public var toParticipantId: UUID?
    /// A private message to the room's hosts (not with `toParticipantId`).
    public var toHosts: Bool?
    /// A file uploaded by the sender (`POST /v1/meetings/{code}/attachments`)
    /// and not yet sent: it goes with this message, to its readers. With one,
    /// `body` may be empty.
    public var attachmentId: UUID?

    public static let maxLength = 4000

    public init(body: String, toParticipantId: UUID? = nil, toHosts: Bool? = nil, attachmentId: UUID? = nil) {
        self.body = body
        self.toParticipantId = toParticipantId
        self.toHosts = toHosts
        self.attachmentId = attachmentId
    }

    /// The recipient asked for: nil for the room.
    public var recipient: ChatRecipient? {
        if let toParticipantId { return .participant(toParticipantId) }
        return self.toHosts == true ? .hosts : nil
    }
}

/// `mute`: a host asks `participantId` to turn `kind` (default `mic`) off.
public struct MuteCommand: Codable, Sendable, Equatable {
    public var participantId: UUID
    public var kind: MediaKind?

    public init(participantId: UUID, kind: MediaKind? = nil) {
        self.participantId = participantId
        self.kind = kind
    }
}

/// `kick`, `admit`, `deny`: a host acts on one participant.
public struct TargetCommand: Codable, Sendable, Equatable {
    public var participantId: UUID
    /// Shown to the target (`kick`, `deny`); optional.
    public var reason: String?

    public init(participantId: UUID, reason: String? = nil) {
        self.participantId = participantId
        self.reason = reason
    }
}

/// `ping` / `pong`: an opaque value echoed back.
public struct PingData: Codable, Sendable, Equatable {
    public var nonce: String?

    public init(nonce: String? = nil) {
        self.nonce = nonce
    }
}

/// `data` of messages that carry nothing (`join`, `leave`, `end-meeting`, `ack`).
public struct EmptyData: Codable, Sendable, Equatable {
    public init() {}
}
