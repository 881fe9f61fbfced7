public import Foundation

/// Who on a room channel should receive a ``RoomBusMessage``.
public enum RoomAudience: String, Codable, Sendable {
    /// Every socket of the room, the waiting room included (`meeting-ended`).
    case everyone
    /// Participants that have joined (not those still waiting).
    case participants
    /// Joined participants with the owner or host role.
    case hosts
    /// Only the joined participants the message lists (`recipients`): a
    /// private chat message to one person and its sender. A new case rather
    /// than `participants` with a list: a replica from before private
    /// messages cannot decode it and drops it, instead of ignoring the list
    /// and forwarding a private message to the whole room during an upgrade.
    case listed
    /// The hosts and the joined participants the message lists: a private
    /// chat message to the hosts (and its sender).
    case hostsAndListed
    /// Joined participants that are not hosts: the attendees' view of a
    /// poll, where the hosts get theirs (with live results) as `hosts`.
    case attendees
}

/// A room-wide event between meet-ws replicas, published on the room's
/// channel `room:{meetingId}`. Every replica delivers it to its own
/// sockets of that room that are in `audience`, except `exclude`.
///
/// `frame` is the server frame, already encoded once by the publisher, so a
/// replica forwards it to any number of sockets without re-encoding.
public struct RoomBusMessage: Codable, Sendable, Equatable {
    public var meetingId: UUID
    /// The publishing replica (for logs).
    public var origin: String
    /// Publisher's clock, milliseconds since 1970, for the bus latency metric.
    public var sentAtMs: Int64
    public var audience: RoomAudience
    public var exclude: UUID?
    /// The participants a `listed` or `hostsAndListed` event is for.
    public var recipients: [UUID]?
    /// The server message type (metrics label, cheap dispatch), or
    /// ``seatChangedType`` for a notice meant for the replicas only.
    public var type: String
    public var frame: String
    /// The participant the event is about (its `participant-*`, `tracks`,
    /// room `chat`, `reaction`): while breakout rooms are open a socket
    /// gets it only when that participant is in its room (docs/signaling.md,
    /// Breakout rooms). Nil: meeting-wide (host events, polls, the plan).
    public var subject: UUID?
    /// A room `chat` stored in a breakout room: it reaches only the sockets
    /// in that room now (the room it was written for, not its sender's
    /// current one), and none once the rooms close (the history has it).
    public var breakoutRoom: UUID?
    /// For ``seatChangedType``: the user whose membership (role) in the
    /// meeting changed; nil otherwise.
    public var userId: UUID?

    /// `seat-changed`: meet-api changed or removed a membership (REST). Each
    /// replica's sessions of `userId` re-read their role from PostgreSQL and
    /// announce it (`participant-updated`); never forwarded to a client as is.
    public static let seatChangedType = "seat-changed"

    public init(
        meetingId: UUID, origin: String, sentAtMs: Int64, audience: RoomAudience, exclude: UUID?, type: String,
        frame: String, userId: UUID? = nil, recipients: [UUID]? = nil, subject: UUID? = nil, breakoutRoom: UUID? = nil
    ) {
        self.recipients = recipients
        self.subject = subject
        self.breakoutRoom = breakoutRoom
        self.meetingId = meetingId
        self.origin = origin
        self.sentAtMs = sentAtMs
        self.audience = audience
        self.exclude = exclude
        self.type = type
        self.frame = frame
        self.userId = userId
    }

    /// The notice meet-api publishes when `userId`'s membership of `meetingId` changed.
    public static func seatChanged(meetingId: UUID, userId: UUID, origin: String, sentAtMs: Int64) -> RoomBusMessage {
        RoomBusMessage(
            meetingId: meetingId, origin: origin, sentAtMs: sentAtMs, audience: .everyone, exclude: nil,
            type: Self.seatChangedType, frame: "", userId: userId)
    }

    /// `meeting-ended` to everyone in `meetingId`, from outside the room (meet-api
    /// ended it over REST): each replica forwards it and closes its sockets.
    public static func meetingEnded(meetingId: UUID, origin: String, sentAtMs: Int64) -> RoomBusMessage {
        let ended = ServerMessage.meetingEnded(Removal(by: nil))
        return RoomBusMessage(
            meetingId: meetingId, origin: origin, sentAtMs: sentAtMs, audience: .everyone, exclude: nil,
            type: ended.type, frame: SignalingCodec.encode(ServerEnvelope(ended)))
    }
}

/// What a replica asks the replica holding a participant's socket to do.
public enum InboxAction: String, Codable, Sendable {
    /// Send `frame` to the socket (e.g. `mute-requested`).
    case deliver
    /// Send `kicked`, close the socket (presence is already gone).
    case kick
    /// Move the waiting participant into the room.
    case admit
    /// Send `denied`, close the socket.
    case deny
    /// A newer socket took the participant over: close this one without leaving.
    case replace
    /// The meeting ended: send `meeting-ended` and close.
    case end
    /// A host hard-muted `kind` (the node already stops forwarding it): send
    /// `mute-requested` and mark the participant's tracks of that kind muted.
    case mute
}

/// A message for one participant's socket, published on the inbox channel
/// `ws:{replicaId}` of the replica that holds it (presence says which).
public struct InboxBusMessage: Codable, Sendable, Equatable {
    public var participantId: UUID
    /// Only this connection (for `replace`); `nil` means whichever is current.
    public var connectionId: UUID?
    public var origin: String
    public var sentAtMs: Int64
    public var action: InboxAction
    /// The host who acted, for `kick`, `admit`, `deny`.
    public var by: UUID?
    public var reason: String?
    /// The encoded server frame for `deliver`.
    public var frame: String?
    /// The muted source, for `mute`.
    public var kind: MediaKind?

    public init(
        participantId: UUID, connectionId: UUID? = nil, origin: String, sentAtMs: Int64, action: InboxAction,
        by: UUID? = nil, reason: String? = nil, frame: String? = nil, kind: MediaKind? = nil
    ) {
        self.participantId = participantId
        self.connectionId = connectionId
        self.origin = origin
        self.sentAtMs = sentAtMs
        self.action = action
        self.by = by
        self.reason = reason
        self.frame = frame
        self.kind = kind
    }
}

/// A participant's live record in Redis presence (`presence:{meetingId}`,
/// one hash field per participant). Written by the replica that holds the
/// socket; read by any replica for snapshots and routing.
public struct PresenceRecord: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        case joined
        case waiting
        /// A recorder's hidden seat (docs/dev/recording.md): it subscribes
        /// like a joined participant, but no snapshot, count or
        /// `participant-joined`/`-left` shows it.
        case recorder
    }

    public var participant: ParticipantInfo
    public var status: Status
    /// The replica holding the socket: its inbox is `ws:{replicaId}`.
    public var replicaId: String
    /// The socket's connection id; a resume replaces it.
    public var connectionId: UUID
    /// What the participant publishes, and where; nil when nothing.
    public var publication: PublicationRecord?
    /// The participant's subscriber transports (each on its publisher's
    /// node); nil when none. Kept here, not only in the socket's memory, so a
    /// resumed socket still owns them and whoever removes the entry knows
    /// which nodes to clean up.
    public var subscriptions: [SubscriptionRecord]?

    public init(
        participant: ParticipantInfo, status: Status, replicaId: String, connectionId: UUID,
        publication: PublicationRecord? = nil, subscriptions: [SubscriptionRecord]? = nil
    ) {
        self.participant = participant
        self.status = status
        self.replicaId = replicaId
        self.connectionId = connectionId
        self.publication = publication
        self.subscriptions = subscriptions
    }

    /// Every SFU node where the participant holds a transport.
    public var sfuNodes: Set<String> {
        var nodes = Set((self.subscriptions ?? []).map(\.nodeId))
        if let publication = self.publication { nodes.insert(publication.nodeId) }
        return nodes
    }
}

/// A participant's publisher transport, in its presence record.
public struct PublicationRecord: Codable, Sendable, Equatable {
    public var nodeId: String
    public var transportId: String
    public var address: NodeAddress
    public var tracks: [TrackInfo]

    public init(nodeId: String, transportId: String, address: NodeAddress, tracks: [TrackInfo]) {
        self.nodeId = nodeId
        self.transportId = transportId
        self.address = address
        self.tracks = tracks
    }

    private enum CodingKeys: String, CodingKey {
        case nodeId, transportId, address, tracks
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.nodeId = try container.decode(String.self, forKey: .nodeId)
        self.transportId = try container.decode(String.self, forKey: .transportId)
        self.address = try container.decode(NodeAddress.self, forKey: .address)
        // Redis's Lua cjson re-encodes an empty array as `{}` (presence merge script).
        if let tracks = try? container.decode([TrackInfo].self, forKey: .tracks) {
            self.tracks = tracks
        } else if let empty = try? container.decode([String: TrackInfo].self, forKey: .tracks), empty.isEmpty {
            self.tracks = []
        } else {
            self.tracks = try container.decode([TrackInfo].self, forKey: .tracks)
        }
    }
}

/// One subscriber transport of a participant, in its presence record; a
/// per-node connection has one record per publisher it carries (all with
/// its `transportId`).
public struct SubscriptionRecord: Codable, Sendable, Equatable {
    public var transportId: String
    public var nodeId: String
    public var address: NodeAddress
    public var publisherParticipantId: UUID
    /// True for a per-node connection (nil: false).
    public var perNode: Bool?

    public init(
        transportId: String, nodeId: String, address: NodeAddress, publisherParticipantId: UUID, perNode: Bool? = nil
    ) {
        self.transportId = transportId
        self.nodeId = nodeId
        self.address = address
        self.publisherParticipantId = publisherParticipantId
        self.perNode = perNode
    }
}
