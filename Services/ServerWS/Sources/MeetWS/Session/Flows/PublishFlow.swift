import Foundation
import MeetProtocol

/// One `publish` request, sans I/O: where the publisher transport goes
/// (a first offer is placed on the least-loaded serving node, with one
/// retry elsewhere when that node drains or is gone; a later offer
/// renegotiates the same transport; an offer that `replaces` the current
/// transport after a `migrate` gets a new transport on another node), and
/// what the room and the client hear. ``PublishDriver`` carries out each
/// ``Action`` and feeds the outcome back.
///
/// ```
///  start ──► place ──► create ──► store ──► commit
///    │         ▲  └─(drain/gone, once)─┘  │
///    └─► renegotiate ─(transport gone)─┘   └─(not ours)─► abandon ──► fail
/// ```
struct PublishFlow: Sendable {
    enum Action: Sendable, Equatable {
        /// Refuse the request; nothing changed.
        case fail(SignalingError)
        /// Choose a node (``SFUGateway/place(hint:excluding:preferring:)``), then ``placed(_:)``.
        /// `retrying` names why a first choice failed (for the metric and the log).
        case place(hint: String?, preferring: String?, excluding: Set<String>, retrying: String?)
        /// `sfu.create-publisher` on `node`, then ``replied(_:)``.
        case create(CreatePublisherRequest, node: SFUNodeRecord)
        /// `sfu.renegotiate-publisher` on the current transport's node, then ``replied(_:)``.
        case renegotiate(RenegotiatePublisherRequest, nodeId: String)
        /// Store this publication in presence, then ``stored(_:)``.
        case store(PublicationRecord)
        /// Presence is no longer this socket's (kicked meanwhile): close the
        /// new transport, then fail with `not_found`.
        case abandon(transportId: String, nodeId: String)
        /// Done: the client gets `published`, the room `tracks`.
        case commit(Commit)
    }

    struct Commit: Sendable, Equatable {
        var publication: PublicationRecord
        var answer: String
        /// The node differs from the previous publication's (`participants.sfu_node_id` changes).
        var nodeChanged: Bool
        /// The publication this one replaces after a `migrate`: retire it.
        var replaced: PublicationRecord?
    }

    private enum Phase: Sendable {
        case idle
        case placing(first: Bool)
        case creating(node: SFUNodeRecord, first: Bool)
        case renegotiating(PublicationRecord)
        case storing(PublicationRecord, answer: String)
        case done
    }

    let participantId: UUID
    let meetingId: UUID
    let request: PublishRequest
    /// Whether clients' `nodeId` hints are honoured (`MEET_WS_PLACEMENT_HINTS`).
    let placementHints: Bool
    private let previous: PublicationRecord?
    private var migrating: PublicationRecord?
    private var phase: Phase = .idle
    /// Placement's arguments for the current attempt.
    private var hint: String?
    private var preferred: String?
    private var excluding: Set<String> = []

    init(participantId: UUID, meetingId: UUID, request: PublishRequest, current: PublicationRecord?, placementHints: Bool) {
        self.participantId = participantId
        self.meetingId = meetingId
        self.request = request
        self.previous = current
        self.placementHints = placementHints
    }

    /// The first step. `migrationTarget`: the node a `migrate` named for the current publication.
    mutating func start(migrationTarget: (PublicationRecord) -> String?) -> Action {
        if let region = self.request.region, !PlacementRegion.isValid(region) {
            self.phase = .done
            return .fail(SignalingError(.invalidData, "region: 1 to \(PlacementRegion.maxLength) characters of A-Z a-z 0-9 . _ -"))
        }
        if let replaces = self.request.replaces, self.previous?.transportId != replaces {
            self.phase = .done
            return .fail(
                SignalingError(.badRequest, "replaces: \(replaces) is not your current publisher transport (publish without replaces)"))
        }
        if self.request.replaces != nil, let migrating = self.previous {
            // A new transport: where `migrate` said (or a hint, when hints are on)
            // while that node serves, never on the node being left.
            self.migrating = migrating
            let hint = self.placementHints ? self.request.nodeId : nil
            return self.place(hint: nil, preferring: hint ?? migrationTarget(migrating), excluding: [migrating.nodeId])
        }
        if let previous = self.previous {
            self.phase = .renegotiating(previous)
            return .renegotiate(
                RenegotiatePublisherRequest(transportId: previous.transportId, offer: self.request.offer, sources: self.sources),
                nodeId: previous.nodeId)
        }
        return self.place(hint: self.request.nodeId, preferring: nil, excluding: [])
    }

    /// A first placement: the hint names one node, a preferred node wins while it serves.
    private mutating func place(hint: String?, preferring: String?, excluding: Set<String>) -> Action {
        self.phase = .placing(first: true)
        self.excluding = excluding
        self.hint = preferring == nil ? hint : nil
        self.preferred = preferring
        return .place(hint: self.hint, preferring: self.preferred, excluding: excluding, retrying: nil)
    }

    /// Placement chose `node`.
    mutating func placed(_ node: SFUNodeRecord) -> Action {
        guard case .placing(let first) = self.phase else { return self.unexpected() }
        self.phase = .creating(node: node, first: first)
        return .create(
            CreatePublisherRequest(
                participantId: self.participantId.uuidString.lowercased(), roomId: self.meetingId.uuidString.lowercased(),
                offer: self.request.offer, sources: self.sources),
            node: node)
    }

    /// Placement or an SFU call failed.
    mutating func failed(_ error: SFUFailure) -> Action {
        let gone = if case .noResponder = error { true } else { false }
        switch self.phase {
        case .creating(let node, first: true) where gone || error.remoteCode == .draining:
            // One retry elsewhere; it drops the hint and the preference.
            self.excluding.insert(node.id)
            self.phase = .placing(first: false)
            return .place(hint: nil, preferring: nil, excluding: self.excluding, retrying: gone ? "node_gone" : "node_draining")
        case .renegotiating(let current) where gone || error.remoteCode == .unknownTransport:
            // The node no longer has the transport (or is gone): a fresh placement.
            return self.place(hint: nil, preferring: nil, excluding: gone ? [current.nodeId] : [])
        default:
            self.phase = .done
            return .fail(error.signalingError)
        }
    }

    /// The node answered: a transport, or a failure.
    mutating func answered(_ result: Result<CreatePublisherReply, SFUFailure>) -> Action {
        switch result {
        case .success(let reply): self.replied(reply)
        case .failure(let error): self.failed(error)
        }
    }

    /// The node answered with a transport.
    mutating func replied(_ reply: CreatePublisherReply) -> Action {
        let nodeId: String
        let address: NodeAddress
        switch self.phase {
        case .creating(let node, _): (nodeId, address) = (node.id, NodeAddress(ip: node.publicIP, port: node.udpPort))
        case .renegotiating(let current): (nodeId, address) = (current.nodeId, current.address)
        default: return self.unexpected()
        }
        let tracks = reply.tracks.map { TrackInfo($0, participantId: self.participantId, nodeId: nodeId) }
        let publication = PublicationRecord(nodeId: nodeId, transportId: reply.transportId, address: address, tracks: tracks)
        self.phase = .storing(publication, answer: reply.answer)
        return .store(publication)
    }

    /// Presence answered: `stored` false when the entry is no longer this socket's.
    mutating func stored(_ stored: Bool) -> Action {
        guard case .storing(let publication, let answer) = self.phase else { return self.unexpected() }
        guard stored else { return .abandon(transportId: publication.transportId, nodeId: publication.nodeId) }
        self.phase = .done
        return .commit(
            Commit(
                publication: publication, answer: answer, nodeChanged: self.previous?.nodeId != publication.nodeId,
                replaced: self.migrating))
    }

    /// The abandoned transport is closed.
    mutating func abandoned() -> Action {
        self.phase = .done
        return .fail(SignalingError(.notFound, "you are no longer in this room"))
    }

    private var sources: [String: SFUTrackSource]? { Self.sfuSources(self.request.sources) }

    static func sfuSources(_ sources: [String: MediaKind]?) -> [String: SFUTrackSource]? {
        sources?.mapValues(\.source)
    }

    private mutating func unexpected() -> Action {
        self.phase = .done
        return .fail(SignalingError(.unavailable, "could not do that right now; retry"))
    }
}

/// Hard mute as it touches a publication, sans I/O.
enum HardMute {
    /// `publication` with its tracks of `kind` marked (un)muted; nil when none changes.
    static func marking(_ publication: PublicationRecord?, _ kind: MediaKind, muted: Bool) -> PublicationRecord? {
        guard var publication, publication.tracks.contains(where: { $0.kind == kind && $0.muted != muted }) else { return nil }
        for index in publication.tracks.indices where publication.tracks[index].kind == kind {
            publication.tracks[index].muted = muted
        }
        return publication
    }

    /// The kinds a `media` update turns on that are hard-muted in `publication`.
    static func lifted(by update: MediaUpdate, in publication: PublicationRecord) -> [MediaKind] {
        let changes: [(MediaKind, Bool?)] = [(.mic, update.mic), (.camera, update.camera), (.screen, update.screen)]
        return changes.compactMap { kind, on in
            on == true && publication.tracks.contains(where: { $0.kind == kind && $0.muted }) ? kind : nil
        }
    }
}
