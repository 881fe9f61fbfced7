/// Control requests from ServerWS to an SFU node, sent as bus `request`
/// envelopes to the node's inbox ``BusChannel/sfuInbox(nodeId:)`` and
/// answered with a `reply` (or an `error` whose body is a ``BusErrorBody``
/// with a code from ``SFUControlErrorCode``).
///
/// ```text
/// sfu.create-publisher        CreatePublisherRequest        → CreatePublisherReply
/// sfu.renegotiate-publisher   RenegotiatePublisherRequest   → CreatePublisherReply (same transportId)
/// sfu.create-subscriber       CreateSubscriberRequest       → CreateSubscriberReply
/// sfu.renegotiate-subscriber  RenegotiateSubscriberRequest  → CreateSubscriberReply (same transportId)
/// sfu.subscriber-answer       SubscriberAnswerRequest       → SFUCloseReply (closed: 0)
/// sfu.set-mute                SetMuteRequest                → SetMuteReply
/// sfu.close-transport         CloseTransportRequest         → SFUCloseReply
/// sfu.close-participant       CloseParticipantRequest       → SFUCloseReply
/// sfu.retire-transport        RetireTransportRequest        → SFUCloseReply (1: closed at once)
/// sfu.remove-subscription     RemoveSubscriptionRequest     → RemoveSubscriptionReply
///                             (batched: `publisherParticipantIds`, one request per connection)
/// ```
///
/// A node also *publishes* ``SFUTransportClosedEvent`` on ``SFUEventChannel/events``
/// whenever a transport ends on its own (ICE consent lost, DTLS failure) or by
/// a close request, so ServerWS can tell the room, and ``SFUNodeDrainingEvent``
/// when it starts draining (SIGTERM), so ServerWS migrates its clients.
public enum SFUControlType {
    public static let createPublisher = "sfu.create-publisher"
    public static let renegotiatePublisher = "sfu.renegotiate-publisher"
    public static let createSubscriber = "sfu.create-subscriber"
    public static let renegotiateSubscriber = "sfu.renegotiate-subscriber"
    public static let subscriberAnswer = "sfu.subscriber-answer"
    public static let setMute = "sfu.set-mute"
    public static let closeTransport = "sfu.close-transport"
    public static let closeParticipant = "sfu.close-participant"
    public static let retireTransport = "sfu.retire-transport"
    public static let removeSubscription = "sfu.remove-subscription"
}

/// The stable `code` values of an SFU node's `error` replies.
public enum SFUControlErrorCode: String, Codable, Sendable, CaseIterable {
    /// `create-subscriber` names a participant that publishes nothing on this node.
    case unknownPublisher = "unknown_publisher"
    /// The transport id is not (or no longer) on this node.
    case unknownTransport = "unknown_transport"
    /// The SDP could not be parsed or negotiated (the message says why).
    case badSDP = "bad_sdp"
    /// A body field is missing or malformed.
    case badRequest = "bad_request"
    /// The node is draining and takes no new transports.
    case draining
    /// The message type is not one this node answers.
    case unsupportedType = "unsupported_type"
}

/// `sfu.create-publisher`: the client's offer for the media it sends.
public struct CreatePublisherRequest: Codable, Sendable, Hashable {
    public var participantId: String
    public var roomId: String
    /// The client's SDP offer (sendonly or sendrecv sections).
    public var offer: String
    /// What each offered media section carries, by mid. A mid not listed is
    /// `mic` for audio, `camera` for the first video section and `screen` for
    /// later ones (see ``SFUTrackSource/defaults(kinds:)``).
    public var sources: [String: SFUTrackSource]?

    public init(participantId: String, roomId: String, offer: String, sources: [String: SFUTrackSource]? = nil) {
        self.participantId = participantId
        self.roomId = roomId
        self.offer = offer
        self.sources = sources
    }
}

/// The node's answer to a publisher's offer (or re-offer).
public struct CreatePublisherReply: Codable, Sendable, Hashable {
    public var transportId: String
    /// The node's SDP answer (ICE-lite, one host candidate on the node's UDP port).
    public var answer: String
    /// The tracks the publisher now sends through this transport.
    public var tracks: [SFUTrack]

    public init(transportId: String, answer: String, tracks: [SFUTrack] = []) {
        self.transportId = transportId
        self.answer = answer
        self.tracks = tracks
    }
}

/// `sfu.renegotiate-publisher`: a new offer on an existing publisher transport:
/// tracks added (screen share) or removed (port 0 / inactive sections), or an
/// ICE restart (new `ice-ufrag`/`ice-pwd`, RFC 8839 §4.4.1.1.1).
public struct RenegotiatePublisherRequest: Codable, Sendable, Hashable {
    public var transportId: String
    public var offer: String
    /// As in ``CreatePublisherRequest/sources``, for the sections of this offer.
    public var sources: [String: SFUTrackSource]?

    public init(transportId: String, offer: String, sources: [String: SFUTrackSource]? = nil) {
        self.transportId = transportId
        self.offer = offer
        self.sources = sources
    }
}

/// What a published track carries; a host's mute names one of these.
public enum SFUTrackSource: String, Codable, Sendable, Hashable, CaseIterable {
    case mic
    case camera
    case screen

    /// The default source of each section, in offer order (`kinds` are `audio`/`video`).
    public static func defaults(kinds: [String]) -> [SFUTrackSource] {
        var sawVideo = false
        return kinds.map { kind in
            if kind == "audio" { return .mic }
            defer { sawVideo = true }
            return sawVideo ? .screen : .camera
        }
    }
}

/// One track a publisher sends through a node.
public struct SFUTrack: Codable, Sendable, Hashable {
    /// Stable while the transport lives: `{transportId}:{mid}`.
    public var id: String
    public var mid: String
    /// `audio` or `video`.
    public var kind: String
    public var source: SFUTrackSource
    /// The negotiated codec (`opus`, `VP8`, `H264`).
    public var codec: String
    /// True while a host's mute stops the node forwarding it.
    public var muted: Bool
    /// Whose track, in the offers of a per-node subscriber connection
    /// (which carries several publishers); nil elsewhere.
    public var participantId: String?

    public init(
        id: String, mid: String, kind: String, source: SFUTrackSource, codec: String, muted: Bool = false,
        participantId: String? = nil
    ) {
        self.id = id
        self.mid = mid
        self.kind = kind
        self.source = source
        self.codec = codec
        self.muted = muted
        self.participantId = participantId
    }
}

/// `sfu.create-subscriber`: a transport that sends one publisher's tracks
/// to a participant, or (`perNode`) a per-node subscriber connection that
/// carries the tracks of every publisher the participant watches on this
/// node: without `transportId` a new one carrying this publisher, with it
/// (one of the participant's per-node connections here) a re-offer on it
/// that adds this publisher's tracks (idle m-lines reused first).
public struct CreateSubscriberRequest: Codable, Sendable, Hashable {
    /// Who receives.
    public var participantId: String
    /// Whose media: a participant with a publisher transport on this node.
    public var publisherParticipantId: String
    /// A per-node connection rather than one per publisher (nil: false).
    public var perNode: Bool?
    /// The per-node connection to add the publisher to (needs `perNode`).
    public var transportId: String?
    /// Audio slots on a per-node connection (docs/dev/audio-slots.md): this
    /// many audio sections carry the loudest of its publishers instead of a
    /// section per publisher's audio; 0 turns them off; nil (an older
    /// meet-ws) leaves the connection as it is. At most ``maximumAudioSlots``.
    public var audioSlots: Int?

    public static let maximumAudioSlots = 8

    public init(
        participantId: String, publisherParticipantId: String, perNode: Bool? = nil, transportId: String? = nil,
        audioSlots: Int? = nil
    ) {
        self.participantId = participantId
        self.publisherParticipantId = publisherParticipantId
        self.perNode = perNode
        self.transportId = transportId
        self.audioSlots = audioSlots
    }
}

/// `sfu.remove-subscription`: takes one publisher off a per-node
/// subscriber connection (the client unsubscribed from it, or it moved to
/// another node and the new subscription carries media).
public struct RemoveSubscriptionRequest: Codable, Sendable, Hashable {
    public var transportId: String
    public var publisherParticipantId: String
    /// The subscriber that owns the connection, as `sfu.create-subscriber`
    /// named it. The node refuses a connection someone else owns
    /// (`unknown_transport`); nil (an older meet-ws) skips the check.
    public var participantId: String?
    /// False: take the publisher off (its media stops at once) without a
    /// re-offer; its sections go idle at the connection's next offer. meet-ws
    /// sends it when it takes someone off on its own (a breakout room
    /// moved them apart): the client never asked, so nobody would answer a
    /// re-offer, and a pending one would block the next. Nil: true.
    public var reoffer: Bool?
    /// The batched form: every publisher to take off this connection in
    /// one request (`publisherParticipantId` is one of them, so a node
    /// older than this takes that one off and answers without
    /// ``RemoveSubscriptionReply/removed``; the caller then sends the rest
    /// one by one). Nil: `publisherParticipantId` alone. meet-ws sends it
    /// when a breakout room takes several people off one connection.
    public var publisherParticipantIds: [String]?

    /// The most publishers one batched request may name; a longer list is `bad_request`.
    public static let maximumBatch = 1000

    public init(
        transportId: String, publisherParticipantId: String, participantId: String? = nil, reoffer: Bool? = nil,
        publisherParticipantIds: [String]? = nil
    ) {
        self.transportId = transportId
        self.publisherParticipantId = publisherParticipantId
        self.participantId = participantId
        self.reoffer = reoffer
        self.publisherParticipantIds = publisherParticipantIds
    }

    /// One request taking `publishers` off a connection: the single form
    /// for one, the batched form for more.
    public init(transportId: String, publishers: [String], participantId: String?, reoffer: Bool?) {
        self.init(
            transportId: transportId, publisherParticipantId: publishers.first ?? "", participantId: participantId, reoffer: reoffer,
            publisherParticipantIds: publishers.count > 1 ? publishers : nil)
    }

    /// Every publisher this request takes off (the single one, or the batch and it).
    public var publishers: [String] {
        guard let batch = self.publisherParticipantIds else { return [self.publisherParticipantId] }
        return batch.contains(self.publisherParticipantId) ? batch : [self.publisherParticipantId] + batch
    }
}

/// The re-offer without the removed publisher's tracks (their m-lines go
/// `a=inactive`; answer with `sfu.subscriber-answer`), or `offer` nil when
/// the connection carried nothing else: then the node closed it. With
/// `reoffer: false` there is no offer; `closed` says whether the connection
/// carried nothing else and was closed.
public struct RemoveSubscriptionReply: Codable, Sendable, Hashable {
    public var transportId: String
    public var offer: String?
    /// Every track the connection carries after this offer, in section order.
    public var tracks: [SFUTrack]
    /// The audio slot sections' mids, in slot order (nil: no slots).
    public var audioSlots: [String]?
    /// Whether the node closed the connection (nil from an older node: `offer == nil`).
    public var closed: Bool?
    /// To a batched request (``RemoveSubscriptionRequest/publisherParticipantIds``):
    /// every publisher it named, all now off the connection (whether or not
    /// it carried them). Nil to the single form, and from a node older than
    /// the batched form, which took off `publisherParticipantId` alone.
    public var removed: [String]?

    public init(
        transportId: String, offer: String?, tracks: [SFUTrack] = [], audioSlots: [String]? = nil, closed: Bool? = nil,
        removed: [String]? = nil
    ) {
        self.transportId = transportId
        self.offer = offer
        self.tracks = tracks
        self.audioSlots = audioSlots
        self.closed = closed
        self.removed = removed
    }

    /// Whether the connection is gone.
    public var isClosed: Bool { self.closed ?? (self.offer == nil) }
}

/// The node's sendonly offer; the client answers with `sfu.subscriber-answer`.
public struct CreateSubscriberReply: Codable, Sendable, Hashable {
    public var transportId: String
    public var offer: String
    /// The publisher's tracks this offer carries, in section order.
    public var tracks: [SFUTrack]
    /// The audio slot sections' mids, in slot order (nil: no slots; see
    /// ``CreateSubscriberRequest/audioSlots``).
    public var audioSlots: [String]?

    public init(transportId: String, offer: String, tracks: [SFUTrack] = [], audioSlots: [String]? = nil) {
        self.transportId = transportId
        self.offer = offer
        self.tracks = tracks
        self.audioSlots = audioSlots
    }
}

/// `sfu.renegotiate-subscriber`: a new offer on an existing subscriber
/// transport that mirrors the publisher's current tracks (after it added or
/// removed one), with fresh ICE credentials when `iceRestart` is set. The
/// client answers with `sfu.subscriber-answer` as for the first offer.
public struct RenegotiateSubscriberRequest: Codable, Sendable, Hashable {
    public var transportId: String
    public var iceRestart: Bool

    public init(transportId: String, iceRestart: Bool = false) {
        self.transportId = transportId
        self.iceRestart = iceRestart
    }
}

/// `sfu.set-mute`: a host's hard mute (or its lifting): the node stops (or
/// resumes) forwarding the participant's tracks of `source`; the publisher
/// keeps sending, nothing reaches subscribers. Applies to transports created
/// later too, until lifted.
public struct SetMuteRequest: Codable, Sendable, Hashable {
    public var participantId: String
    public var source: SFUTrackSource
    public var muted: Bool

    public init(participantId: String, source: SFUTrackSource, muted: Bool) {
        self.participantId = participantId
        self.source = source
        self.muted = muted
    }
}

/// How many tracks the mute changed (0 when the participant publishes no such track yet).
public struct SetMuteReply: Codable, Sendable, Hashable {
    public var tracks: Int

    public init(tracks: Int) {
        self.tracks = tracks
    }
}

/// The pub/sub channel of node events (every ServerWS replica subscribes).
public enum SFUEventChannel {
    public static let events = "sfu:events"
}

/// Bus `event` `sfu.transport-closed` on ``SFUEventChannel/events``: a
/// transport ended on a node (closed by request, publisher gone, ICE consent
/// lost, node shutting down).
public struct SFUTransportClosedEvent: Codable, Sendable, Hashable {
    public static let type = "sfu.transport-closed"

    public enum Role: String, Codable, Sendable, Hashable {
        case publisher
        case subscriber
    }

    public var nodeId: String
    public var transportId: String
    public var role: Role
    /// The participant that held the transport.
    public var participantId: String
    /// For a subscriber transport: whose media it carried.
    public var publisherParticipantId: String?
    /// For a publisher transport: its room.
    public var roomId: String?
    public var reason: String

    public init(
        nodeId: String, transportId: String, role: Role, participantId: String, publisherParticipantId: String? = nil,
        roomId: String? = nil, reason: String
    ) {
        self.nodeId = nodeId
        self.transportId = transportId
        self.role = role
        self.participantId = participantId
        self.publisherParticipantId = publisherParticipantId
        self.roomId = roomId
        self.reason = reason
    }
}

/// `sfu.subscriber-answer`: the client's answer to the node's subscriber offer.
public struct SubscriberAnswerRequest: Codable, Sendable, Hashable {
    public var transportId: String
    public var answer: String

    public init(transportId: String, answer: String) {
        self.transportId = transportId
        self.answer = answer
    }
}

/// `sfu.close-transport`: closes one transport (a publisher's also closes its subscribers).
public struct CloseTransportRequest: Codable, Sendable, Hashable {
    public var transportId: String

    public init(transportId: String) {
        self.transportId = transportId
    }
}

/// `sfu.close-participant`: closes every transport of a participant on this node.
public struct CloseParticipantRequest: Codable, Sendable, Hashable {
    public var participantId: String

    public init(participantId: String) {
        self.participantId = participantId
    }
}

/// The reply to closes (and to `subscriber-answer`, with `closed` 0).
public struct SFUCloseReply: Codable, Sendable, Hashable {
    /// How many transports were closed.
    public var closed: Int

    public init(closed: Int) {
        self.closed = closed
    }
}

/// `sfu.retire-transport`: the participant of this publisher transport now
/// publishes on another node (a migration). The node keeps forwarding it to
/// its subscriber transports until the last of them closes (each subscriber
/// unsubscribes once its replacement carries media) or the node's migration
/// timeout (`MEET_SFU_MIGRATION_TIMEOUT_MS`) passes, then closes it with
/// reason `migrated`. A retired transport with no subscribers closes at once
/// (reply `closed: 1`).
public struct RetireTransportRequest: Codable, Sendable, Hashable {
    public var transportId: String

    public init(transportId: String) {
        self.transportId = transportId
    }
}

/// Bus `event` `sfu.node-draining` on ``SFUEventChannel/events``: the node
/// got SIGTERM. It takes no new transports, keeps forwarding the ones it has
/// while their clients migrate, and closes whatever remains at `deadlineMs`.
/// ServerWS also learns it from the registry record (state `draining`); the
/// event only makes it faster.
public struct SFUNodeDrainingEvent: Codable, Sendable, Hashable {
    public static let type = "sfu.node-draining"

    public var nodeId: String
    /// Milliseconds since 1970 at which the node closes what is left and exits.
    public var deadlineMs: Int64

    public init(nodeId: String, deadlineMs: Int64) {
        self.nodeId = nodeId
        self.deadlineMs = deadlineMs
    }
}
