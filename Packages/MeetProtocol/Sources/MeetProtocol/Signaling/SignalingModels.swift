public import Foundation

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
public enum MediaKind: String, Codable, Sendable, Hashable, CaseIterable {
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

/// A published media track, as the room sees it (the snapshot's `tracks`,
/// `published`, `subscription` and `tracks` events). Every field but `id`,
/// `participantId` and `kind` is optional on decoding, so clients of the
/// first protocol version (which knew only those and `nodeId`) keep decoding.
public struct TrackInfo: Codable, Sendable, Equatable, Hashable {
    /// Stable while the publisher's transport lives (`{transportId}:{mid}`).
    public var id: String
    public var participantId: UUID
    /// What the track carries (its source): `mic`, `camera` or `screen`.
    public var kind: MediaKind
    /// The SFU node that forwards it (where a subscription is opened).
    public var nodeId: String?
    /// The media section of the publisher's offer that carries it.
    public var mid: String?
    /// The negotiated codec (`opus`, `VP8`, `H264`).
    public var codec: String?
    /// True while a host's hard mute stops the node forwarding it.
    public var muted: Bool

    public init(
        id: String, participantId: UUID, kind: MediaKind, nodeId: String? = nil, mid: String? = nil,
        codec: String? = nil, muted: Bool = false
    ) {
        self.id = id
        self.participantId = participantId
        self.kind = kind
        self.nodeId = nodeId
        self.mid = mid
        self.codec = codec
        self.muted = muted
    }

    private enum CodingKeys: String, CodingKey {
        case id, participantId, kind, nodeId, mid, codec, muted
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.id = try container.decode(String.self, forKey: .id)
        self.participantId = try container.decode(UUID.self, forKey: .participantId)
        self.kind = try container.decode(MediaKind.self, forKey: .kind)
        self.nodeId = try container.decodeIfPresent(String.self, forKey: .nodeId)
        self.mid = try container.decodeIfPresent(String.self, forKey: .mid)
        self.codec = try container.decodeIfPresent(String.self, forKey: .codec)
        self.muted = try container.decodeIfPresent(Bool.self, forKey: .muted) ?? false
    }
}

/// Where a client sends media: an SFU node's public address and UDP port
/// (the same as the host candidate in the node's SDP).
public struct NodeAddress: Codable, Sendable, Equatable, Hashable {
    public var ip: String
    public var port: Int

    public init(ip: String, port: Int) {
        self.ip = ip
        self.port = port
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
    /// Every track published in the room now (the receiver's own included).
    public var tracks: [TrackInfo]
    /// Relays the receiver may use to reach the SFU nodes, with credentials
    /// minted for it (empty when the deployment runs no TURN relay). A
    /// message without the field decodes as empty.
    public var iceServers: [ICEServer]
    /// The meeting's active recording, when one is on (a late joiner shows
    /// the indicator from here on, as the room did at `recording-started`);
    /// absent when none.
    public var recording: RecordingStarted?

    public init(
        meetingId: UUID, meetingCode: String, you: UUID, role: MemberRole, resumed: Bool,
        participants: [ParticipantInfo], waiting: [ParticipantInfo], tracks: [TrackInfo] = [],
        iceServers: [ICEServer] = [], recording: RecordingStarted? = nil
    ) {
        self.meetingId = meetingId
        self.meetingCode = meetingCode
        self.you = you
        self.role = role
        self.resumed = resumed
        self.participants = participants
        self.waiting = waiting
        self.tracks = tracks
        self.iceServers = iceServers
        self.recording = recording
    }

    /// The meeting is end-to-end encrypted: encrypt what you send, decrypt
    /// what you receive, and say `e2ee: true` in `publish` and `subscribe`.
    /// Absent (false) for other meetings.
    public var e2ee: Bool = false
    /// The deployment's audio-slot policy (``AudioSlotPolicy``); absent when off.
    public var audioSlots: AudioSlotPolicy?

    private enum CodingKeys: String, CodingKey {
        case meetingId, meetingCode, you, role, resumed, participants, waiting, tracks, iceServers, recording, e2ee, audioSlots
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.meetingId, forKey: .meetingId)
        try container.encode(self.meetingCode, forKey: .meetingCode)
        try container.encode(self.you, forKey: .you)
        try container.encode(self.role, forKey: .role)
        try container.encode(self.resumed, forKey: .resumed)
        try container.encode(self.participants, forKey: .participants)
        try container.encode(self.waiting, forKey: .waiting)
        try container.encode(self.tracks, forKey: .tracks)
        try container.encode(self.iceServers, forKey: .iceServers)
        try container.encodeIfPresent(self.recording, forKey: .recording)
        if self.e2ee { try container.encode(true, forKey: .e2ee) }
        try container.encodeIfPresent(self.audioSlots, forKey: .audioSlots)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            meetingId: try container.decode(UUID.self, forKey: .meetingId),
            meetingCode: try container.decode(String.self, forKey: .meetingCode),
            you: try container.decode(UUID.self, forKey: .you),
            role: try container.decode(MemberRole.self, forKey: .role),
            resumed: try container.decode(Bool.self, forKey: .resumed),
            participants: try container.decode([ParticipantInfo].self, forKey: .participants),
            waiting: try container.decode([ParticipantInfo].self, forKey: .waiting),
            tracks: try container.decode([TrackInfo].self, forKey: .tracks),
            iceServers: try container.decodeIfPresent([ICEServer].self, forKey: .iceServers) ?? [],
            recording: try container.decodeIfPresent(RecordingStarted.self, forKey: .recording)
        )
        self.e2ee = try container.decodeIfPresent(Bool.self, forKey: .e2ee) ?? false
        self.audioSlots = try container.decodeIfPresent(AudioSlotPolicy.self, forKey: .audioSlots)
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
    /// A private message (issue #21): to this participant only (and its
    /// sender). Absent for the room.
    public var toParticipantId: UUID?
    /// A private message to the hosts (and its sender). Absent (false) otherwise.
    public var toHosts: Bool?
    /// The file sent with it, if any (docs/signaling.md, "File sharing").
    public var attachment: ChatAttachment?
    /// The breakout room it was sent in, as stored (absent: the main room,
    /// or a private message). A late delivery (the outbox, a replay after a
    /// Redis outage) reaches that room's sockets only, wherever its sender is now.
    public var breakoutRoomId: UUID?

    public init(
        id: String, participantId: UUID, userId: UUID?, displayName: String, body: String, createdAt: Date,
        to recipient: ChatRecipient? = nil
    ) {
        self.id = id
        self.participantId = participantId
        self.userId = userId
        self.displayName = displayName
        self.body = body
        self.createdAt = createdAt
        self.recipient = recipient
    }

    /// Who besides its sender may see it; nil: the room.
    public var recipient: ChatRecipient? {
        get {
            if let toParticipantId { return .participant(toParticipantId) }
            return self.toHosts == true ? .hosts : nil
        }
        set {
            switch newValue {
            case .participant(let id)?: (self.toParticipantId, self.toHosts) = (id, nil)
            case .hosts?: (self.toParticipantId, self.toHosts) = (nil, true)
            case nil: (self.toParticipantId, self.toHosts) = (nil, nil)
            }
        }
    }
}

/// The recipient of a private chat message (issue #21).
public enum ChatRecipient: Sendable, Equatable, Hashable {
    /// One participant of the room.
    case participant(UUID)
    /// The room's hosts (owner and hosts), whoever they are when it is read.
    case hosts
}
