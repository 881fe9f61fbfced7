import Foundation

/// Which of a participant's media sources are on. The server only relays
/// this state; it never sees media (that is the SFU's job).
public struct MediaState: Codable, Sendable, Equatable, Hashable {
    public var mic: Bool
    public var camera: Bool
    public var screen: Bool

    public init(mic: Bool = false, camera: Bool = false, screen: Bool = false) {
        self.mic = mic
        self.camera = camera
        self.screen = screen
    }

    /// Everything off: the state of a participant that has just joined.
    public static let off = MediaState()
}

/// One media source, as named in `media` and `mute`.
public enum MediaKind: String, Codable, Sendable, CaseIterable {
    case mic
    case camera
    case screen
}

/// A participant as every client in the room sees it.
public struct ParticipantInfo: Codable, Sendable, Equatable {
    public var id: UUID
    public var displayName: String
    public var role: MemberRole
    /// Absent for guests.
    public var userId: UUID?
    public var guest: Bool
    public var media: MediaState
    public var handRaised: Bool

    public init(
        id: UUID, displayName: String, role: MemberRole, userId: UUID?, guest: Bool,
        media: MediaState = .off, handRaised: Bool = false
    ) {
        self.id = id
        self.displayName = displayName
        self.role = role
        self.userId = userId
        self.guest = guest
        self.media = media
        self.handRaised = handRaised
    }
}

/// A published media track (filled in once the SFU lands; always empty today).
/// Carried now so that clients written against this version keep decoding
/// snapshots once tracks appear.
public struct TrackInfo: Codable, Sendable, Equatable {
    public var id: String
    public var participantId: UUID
    public var kind: MediaKind
    /// The SFU node to subscribe at.
    public var nodeId: String?

    public init(id: String, participantId: UUID, kind: MediaKind, nodeId: String? = nil) {
        self.id = id
        self.participantId = participantId
        self.kind = kind
        self.nodeId = nodeId
    }
}

/// What a participant gets on entering the room: who is there and who it is.
public struct RoomSnapshot: Codable, Sendable, Equatable {
    public var meetingId: UUID
    public var meetingCode: String
    /// The receiving participant's own id and role.
    public var you: UUID
    public var role: MemberRole
    /// True when this join resumed an earlier connection within the grace
    /// period: nobody else was told anything.
    public var resumed: Bool
    /// Everyone in the room, the receiver included, ordered by id.
    public var participants: [ParticipantInfo]
    /// Participants in the waiting room; only sent to hosts (empty otherwise).
    public var waiting: [ParticipantInfo]
    /// Tracks to subscribe to (empty until media lands).
    public var tracks: [TrackInfo]

    public init(
        meetingId: UUID, meetingCode: String, you: UUID, role: MemberRole, resumed: Bool,
        participants: [ParticipantInfo], waiting: [ParticipantInfo], tracks: [TrackInfo] = []
    ) {
        self.meetingId = meetingId
        self.meetingCode = meetingCode
        self.you = you
        self.role = role
        self.resumed = resumed
        self.participants = participants
        self.waiting = waiting
        self.tracks = tracks
    }
}

/// A chat message as broadcast to the room (and as stored in `messages`).
public struct ChatMessage: Codable, Sendable, Equatable {
    /// The server-assigned id (the `messages` row id, decimal); the same id
    /// appears in `GET /v1/meetings/{code}/messages`.
    public var id: String
    public var participantId: UUID
    public var userId: UUID?
    public var displayName: String
    public var body: String
    public var createdAt: Date

    public init(id: String, participantId: UUID, userId: UUID?, displayName: String, body: String, createdAt: Date) {
        self.id = id
        self.participantId = participantId
        self.userId = userId
        self.displayName = displayName
        self.body = body
        self.createdAt = createdAt
    }
}
