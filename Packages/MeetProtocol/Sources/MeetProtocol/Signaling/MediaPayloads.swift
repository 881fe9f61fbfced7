public import Foundation

// The publish/subscribe half of signaling (docs/signaling.md, "Media").
// meet-ws places each publisher on an SFU node and relays SDP between the
// client and the node over the bus; the client then opens its peer
// connections straight to the node's address (redirect, never relay).

/// `publish`: the client's SDP offer for what it sends (first publish, or a
/// renegotiation of its publisher transport: a track added or removed, an
/// ICE restart).
public struct PublishRequest: Codable, Sendable, Equatable {
    /// The SDP offer (sendonly/sendrecv sections), at most ``maxSDPBytes``.
    public var offer: String
    /// What each offered section carries, by mid. Unlisted: `mic` for audio,
    /// `camera` for the first video section, `screen` for later ones.
    public var sources: [String: MediaKind]?
    /// A placement hint, honoured only when the server enables hints
    /// (`MEET_WS_PLACEMENT_HINTS`, tests); ignored when renegotiating.
    public var nodeId: String?
    /// The publisher transport named by a `migrate`: the offer is for a
    /// *new* transport on the node chosen for the move (a fresh peer
    /// connection on the client), while the old one keeps forwarding to
    /// its subscribers until they have moved (make-before-break).
    public var replaces: String?
    /// The region whose SFU nodes the publisher prefers (1–64 of
    /// `A–Z a–z 0–9 . _ -`, like `MEET_SFU_REGION`): a node of that region
    /// when one serves, else any. Overrides the ingress's region header
    /// and the replica's region; ignored when renegotiating.
    public var region: String?
    /// The media is end-to-end encrypted by this client (required, true, in
    /// an E2EE meeting: else `e2ee_required`).
    public var e2ee: Bool?

    /// Offers and answers are bounded (a real one is a few kilobytes).
    public static let maxSDPBytes = 64 * 1024

    public init(
        offer: String, sources: [String: MediaKind]? = nil, nodeId: String? = nil, replaces: String? = nil, region: String? = nil
    ) {
        self.offer = offer
        self.sources = sources
        self.nodeId = nodeId
        self.replaces = replaces
        self.region = region
    }
}

/// `subscribe`: receive one participant's tracks, or renegotiate an existing
/// subscription (`transportId`: new offer mirroring the publisher's current
/// tracks, with fresh ICE credentials when `iceRestart` is set). With
/// `perNode`, the tracks come on the socket's one subscriber connection to
/// the publisher's node (a re-offer on it when it exists).
public struct SubscribeRequest: Codable, Sendable, Equatable {
    /// The publisher.
    public var participantId: UUID
    /// An existing subscription of this socket to renegotiate.
    public var transportId: String?
    public var iceRestart: Bool?
    /// One subscriber connection per node rather than one per publisher (nil: false).
    public var perNode: Bool?
    /// This client decrypts end-to-end encrypted media (required, true, in
    /// an E2EE meeting: else `e2ee_required`).
    public var e2ee: Bool?
    /// With `perNode`: how many audio slots the connection to that node
    /// should have (docs/dev/audio-slots.md; `joined.audioSlots` says the
    /// deployment's policy): that many audio sections carry the loudest of
    /// the node's publishers, and no publisher's audio gets a section of its
    /// own. 0 turns them off; nil keeps what the connection has. At most 8.
    public var audioSlots: Int?

    public init(participantId: UUID, transportId: String? = nil, iceRestart: Bool? = nil, perNode: Bool? = nil) {
        self.participantId = participantId
        self.transportId = transportId
        self.iceRestart = iceRestart
        self.perNode = perNode
    }
}

/// `subscribe-answer`: the client's SDP answer to a `subscription` offer.
public struct SubscribeAnswer: Codable, Sendable, Equatable {
    public var transportId: String
    public var answer: String

    public init(transportId: String, answer: String) {
        self.transportId = transportId
        self.answer = answer
    }
}

/// `unsubscribe`: close one subscription of this socket, or (with
/// `participantId`, on a per-node connection) take that publisher off it:
/// the reply is then a `subscription` re-offer (or `ack` when nothing is left
/// and the connection closed).
public struct UnsubscribeRequest: Codable, Sendable, Equatable {
    public var transportId: String
    /// The publisher to take off a per-node connection.
    public var participantId: UUID?

    public init(transportId: String, participantId: UUID? = nil) {
        self.transportId = transportId
        self.participantId = participantId
    }
}

/// `published`: the node's answer to a `publish` offer, and where to send media.
public struct Published: Codable, Sendable, Equatable {
    /// The publisher transport (the same one after a renegotiation).
    public var transportId: String
    public var nodeId: String
    public var address: NodeAddress
    /// The node's SDP answer (ICE-lite, one host candidate at `address`).
    public var answer: String
    /// The tracks the participant now publishes.
    public var tracks: [TrackInfo]

    public init(transportId: String, nodeId: String, address: NodeAddress, answer: String, tracks: [TrackInfo]) {
        self.transportId = transportId
        self.nodeId = nodeId
        self.address = address
        self.answer = answer
        self.tracks = tracks
    }
}

/// `subscription`: the publisher's node offers its tracks; answer with
/// `subscribe-answer`, and connect to `address`.
public struct SubscriptionOffer: Codable, Sendable, Equatable {
    public var transportId: String
    public var publisherParticipantId: UUID
    /// The publisher's node, which holds this subscriber transport.
    public var nodeId: String
    public var address: NodeAddress
    /// The node's sendonly SDP offer.
    public var offer: String
    /// The tracks the offer carries, in section order.
    public var tracks: [TrackInfo]

    /// True for a per-node connection: `tracks` lists every track it
    /// carries, each with its publisher's `participantId`.
    public var perNode: Bool?
    /// The audio slot sections' mids, in slot order, when the connection has
    /// slots: each plays whoever speaks (not listed in `tracks`).
    public var audioSlots: [String]?

    public init(
        transportId: String, publisherParticipantId: UUID, nodeId: String, address: NodeAddress, offer: String,
        tracks: [TrackInfo], perNode: Bool? = nil, audioSlots: [String]? = nil
    ) {
        self.transportId = transportId
        self.publisherParticipantId = publisherParticipantId
        self.nodeId = nodeId
        self.address = address
        self.offer = offer
        self.tracks = tracks
        self.perNode = perNode
        self.audioSlots = audioSlots
    }
}

/// `tracks`: a participant's published tracks changed (published,
/// renegotiated, muted or unmuted by a host, or gone: `tracks` empty).
public struct TracksEvent: Codable, Sendable, Equatable {
    public var participantId: UUID
    /// The publisher's node; absent when it publishes nothing.
    public var nodeId: String?
    public var tracks: [TrackInfo]

    public init(participantId: UUID, nodeId: String?, tracks: [TrackInfo]) {
        self.participantId = participantId
        self.nodeId = nodeId
        self.tracks = tracks
    }
}

/// `subscription-closed`: one of the receiver's subscriptions ended on its
/// node (the publisher stopped or left, the connection failed, the node
/// shut down). Not sent for the receiver's own `unsubscribe`.
public struct SubscriptionClosed: Codable, Sendable, Equatable {
    public var transportId: String
    public var publisherParticipantId: UUID
    /// The node's reason (`closed`, `publisher_closed`, `ice_failed`, …), for logs.
    public var reason: String

    public init(transportId: String, publisherParticipantId: UUID, reason: String) {
        self.transportId = transportId
        self.publisherParticipantId = publisherParticipantId
        self.reason = reason
    }
}

/// Why a `migrate` was sent.
public enum MigrateReason: String, Codable, Sendable, CaseIterable {
    /// The node is shutting down gracefully (scale-in, rolling update): the
    /// old transport keeps forwarding until the replacement is up.
    case nodeDraining = "node_draining"
    /// The node stopped reporting to the registry (crashed, unreachable):
    /// the old transport is most likely dead already.
    case nodeLost = "node_lost"
    /// The publisher of a subscription now publishes on another node.
    case publisherMoved = "publisher_moved"
}

/// `migrate`: move one transport off a node that is draining or gone.
///
/// - For the receiver's own publisher transport (`publisherParticipantId`
///   absent): open a new peer connection with the same tracks and send
///   `publish` with `replaces: transportId`; keep sending on the old one
///   until the node closes it (or for a few seconds).
/// - For one of its subscriptions (`publisherParticipantId` set): send
///   `subscribe` for that publisher (a new transport on the publisher's new
///   node); once the new connection carries media, `unsubscribe` the old
///   `transportId`. With `node_lost` the old one carries nothing any more.
public struct MigrateInstruction: Codable, Sendable, Equatable {
    public var reason: MigrateReason
    /// The node being left.
    public var nodeId: String
    /// The transport to replace.
    public var transportId: String
    /// For a subscription: whose media it carries.
    public var publisherParticipantId: UUID?
    /// Where the replacement goes: for a publication, the node chosen for it
    /// (used by the following `publish` while it still serves); for a
    /// subscription, the publisher's new node.
    public var targetNodeId: String?

    public init(
        reason: MigrateReason, nodeId: String, transportId: String, publisherParticipantId: UUID? = nil,
        targetNodeId: String? = nil
    ) {
        self.reason = reason
        self.nodeId = nodeId
        self.transportId = transportId
        self.publisherParticipantId = publisherParticipantId
        self.targetNodeId = targetNodeId
    }
}

extension MediaKind {
    /// The SFU's name for the same source.
    public var source: SFUTrackSource {
        switch self {
        case .mic: .mic
        case .camera: .camera
        case .screen: .screen
        }
    }

    public init(source: SFUTrackSource) {
        switch source {
        case .mic: self = .mic
        case .camera: self = .camera
        case .screen: self = .screen
        }
    }
}

extension TrackInfo {
    /// A node's track as the room sees it.
    public init(_ track: SFUTrack, participantId: UUID, nodeId: String) {
        self.init(
            id: track.id, participantId: participantId, kind: MediaKind(source: track.source), nodeId: nodeId,
            mid: track.mid, codec: track.codec, muted: track.muted)
    }
}
