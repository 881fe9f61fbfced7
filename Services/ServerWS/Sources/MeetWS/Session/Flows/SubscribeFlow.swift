import Foundation
import MeetProtocol

/// One `subscribe` request, sans I/O: a subscriber transport on the
/// publisher's node (or a new offer on one this socket owns; with
/// `perNode`, the socket's one connection to that node, re-offered with the
/// publisher added), listed in the socket's presence record so that a
/// resumed socket still owns it.
/// ``SubscribeDriver`` carries out each ``Action`` and feeds the outcome back.
///
/// ```
///  start ──► create / renegotiate ──► store ──► offer
///    └─► fail     └─► fail (forget)     └─► abandon (close) ──► fail
/// ```
struct SubscribeFlow: Sendable {
    enum Action: Sendable, Equatable {
        /// Refuse; `forget` names a subscription the node no longer has.
        case fail(SignalingError, forget: String? = nil)
        /// `sfu.create-subscriber` on the publisher's node, then ``replied(_:)``.
        case create(CreateSubscriberRequest, nodeId: String)
        /// `sfu.renegotiate-subscriber` on an existing subscription's node, then ``replied(_:)``.
        case renegotiate(RenegotiateSubscriberRequest, nodeId: String)
        /// Store this socket's subscriptions in presence, then ``stored(_:)``.
        case store([SubscriptionRecord])
        /// Presence is no longer this socket's: close the transport, then ``abandoned()``.
        case abandon(transportId: String, nodeId: String)
        /// Done: relay the node's offer to the client.
        case offer(SubscriptionOffer)
    }

    private enum Phase: Sendable {
        case idle
        case asking(SubscriptionRecord?)
        case storing(SubscriptionRecord, CreateSubscriberReply)
        case done
    }

    let subscriberId: String
    let request: SubscribeRequest
    private let owned: [SubscriptionRecord]
    /// The most audio slots a connection gets here (`MEET_WS_AUDIO_SLOTS`; 0: off).
    private let maxAudioSlots: Int
    private var publication: PublicationRecord?
    private var phase: Phase = .idle

    /// - Parameters:
    ///   - subscriberId: this participant, as the SFU contract names it.
    ///   - owned: the subscriptions this socket holds now.
    ///   - maxAudioSlots: the most audio slots a node connection gets (more is clamped).
    init(subscriberId: String, request: SubscribeRequest, owned: [SubscriptionRecord], maxAudioSlots: Int = 0) {
        self.subscriberId = subscriberId
        self.request = request
        self.owned = owned
        self.maxAudioSlots = maxAudioSlots
    }

    /// The first step, given the publisher's presence record (nil when absent).
    mutating func start(publisher: PresenceRecord?) -> Action {
        guard let publisher, publisher.status == .joined, let publication = publisher.publication else {
            return self.fail(SignalingError(.notFound, "that participant publishes nothing in this room"))
        }
        self.publication = publication
        if let slots = self.request.audioSlots {
            guard self.request.perNode == true else {
                return self.fail(SignalingError(.badRequest, "audioSlots needs perNode: slots belong to a node connection"))
            }
            guard (0...CreateSubscriberRequest.maximumAudioSlots).contains(slots) else {
                return self.fail(SignalingError(
                    .badRequest, "audioSlots must be 0...\(CreateSubscriberRequest.maximumAudioSlots), not \(slots)"))
            }
        }
        if self.request.perNode == true { return self.startPerNode(on: publication) }
        let publisherId = self.request.participantId
        if let transportId = self.request.transportId {
            guard let existing = self.owned.first(where: { $0.transportId == transportId }),
                existing.publisherParticipantId == publisherId
            else { return self.fail(SignalingError(.notFound, "no such subscription on this connection")) }
            self.phase = .asking(existing)
            return .renegotiate(
                RenegotiateSubscriberRequest(transportId: transportId, iceRestart: self.request.iceRestart ?? false),
                nodeId: existing.nodeId)
        }
        self.phase = .asking(nil)
        return .create(
            CreateSubscriberRequest(participantId: self.subscriberId, publisherParticipantId: publisherId.uuidString.lowercased()),
            nodeId: publication.nodeId)
    }

    /// `perNode`: the socket's connection to the publisher's node gets a
    /// re-offer that adds the publisher (a new connection when it has none
    /// there); `transportId` must name that connection; `iceRestart`
    /// re-offers it with fresh ICE credentials.
    private mutating func startPerNode(on publication: PublicationRecord) -> Action {
        let connection: SubscriptionRecord?
        if let transportId = self.request.transportId {
            guard let named = self.owned.first(where: { $0.transportId == transportId && $0.perNode == true }) else {
                return self.fail(SignalingError(.notFound, "no such subscriber connection on this socket"))
            }
            guard named.nodeId == publication.nodeId else {
                return self.fail(SignalingError(
                    .badRequest, "that participant publishes on \(publication.nodeId), not on \(named.nodeId) (transportId's node)"))
            }
            connection = named
        } else {
            connection = self.owned.first { $0.perNode == true && $0.nodeId == publication.nodeId }
        }
        self.phase = .asking(connection.map {
            SubscriptionRecord(
                transportId: $0.transportId, nodeId: $0.nodeId, address: $0.address,
                publisherParticipantId: self.request.participantId, perNode: true)
        })
        if self.request.iceRestart == true {
            // An ICE restart re-offers what the connection carries; it adds
            // nobody, so it must not record a publisher the node does not carry.
            guard let connection,
                self.owned.contains(where: { $0.transportId == connection.transportId && $0.publisherParticipantId == self.request.participantId })
            else {
                return self.fail(SignalingError(
                    .notFound, "iceRestart needs a subscriber connection that carries that participant (subscribe without iceRestart adds it)"))
            }
            return .renegotiate(
                RenegotiateSubscriberRequest(transportId: connection.transportId, iceRestart: true), nodeId: connection.nodeId)
        }
        return .create(
            CreateSubscriberRequest(
                participantId: self.subscriberId, publisherParticipantId: self.request.participantId.uuidString.lowercased(),
                perNode: true, transportId: connection?.transportId,
                audioSlots: self.request.audioSlots.map { min($0, self.maxAudioSlots) }),
            nodeId: publication.nodeId)
    }

    /// The node answered: an offer, or a failure.
    mutating func answered(_ result: Result<CreateSubscriberReply, SFUFailure>) -> Action {
        switch result {
        case .success(let reply): self.replied(reply)
        case .failure(let error): self.failed(error)
        }
    }

    /// The node answered with an offer.
    mutating func replied(_ reply: CreateSubscriberReply) -> Action {
        guard case .asking(let existing) = self.phase, let publication = self.publication else { return self.unexpected() }
        let subscription =
            existing
            ?? SubscriptionRecord(
                transportId: reply.transportId, nodeId: publication.nodeId, address: publication.address,
                publisherParticipantId: self.request.participantId, perNode: self.request.perNode == true ? true : nil)
        self.phase = .storing(subscription, reply)
        return .store(self.owned.filter { !Self.same($0, subscription) } + [subscription])
    }

    /// The node refused or could not be reached.
    mutating func failed(_ error: SFUFailure) -> Action {
        var asked: String?
        if case .asking(let existing) = self.phase { asked = existing?.transportId }
        let forget = error.remoteCode == .unknownTransport ? self.request.transportId ?? asked : nil
        return self.fail(error.signalingError, forget: forget)
    }

    /// Presence answered: `stored` false when the entry is no longer this socket's.
    mutating func stored(_ stored: Bool) -> Action {
        guard case .storing(let subscription, let reply) = self.phase else { return self.unexpected() }
        guard stored else { return .abandon(transportId: subscription.transportId, nodeId: subscription.nodeId) }
        self.phase = .done
        return .offer(Self.offer(reply, publisher: self.request.participantId, on: subscription))
    }

    /// The client's `subscription` for a node's offer; on a per-node
    /// connection each track names its own publisher.
    static func offer(_ reply: CreateSubscriberReply, publisher: UUID, on subscription: SubscriptionRecord) -> SubscriptionOffer {
        let tracks = reply.tracks.map { track in
            TrackInfo(track, participantId: track.participantId.flatMap(UUID.init(uuidString:)) ?? publisher, nodeId: subscription.nodeId)
        }
        return SubscriptionOffer(
            transportId: reply.transportId, publisherParticipantId: publisher, nodeId: subscription.nodeId,
            address: subscription.address, offer: reply.offer, tracks: tracks, perNode: subscription.perNode,
            audioSlots: reply.audioSlots)
    }

    /// The same subscription: the same transport and, on a per-node connection, the same publisher.
    static func same(_ a: SubscriptionRecord, _ b: SubscriptionRecord) -> Bool {
        a.transportId == b.transportId && (a.perNode != true || a.publisherParticipantId == b.publisherParticipantId)
    }

    /// The abandoned transport is closed.
    mutating func abandoned() -> Action {
        self.fail(SignalingError(.notFound, "you are no longer in this room"))
    }

    /// `subscriptions` without `transportId`; nil rather than `[]` when none
    /// is left (Redis's Lua cjson would rewrite `[]` as `{}`).
    static func removing(_ transportId: String, from subscriptions: [SubscriptionRecord]?) -> [SubscriptionRecord]? {
        let remaining = (subscriptions ?? []).filter { $0.transportId != transportId }
        return remaining.isEmpty ? nil : remaining
    }

    /// `subscriptions` without publisher `publisher` on connection `transportId`.
    static func removing(
        _ publisher: UUID, on transportId: String, from subscriptions: [SubscriptionRecord]?
    ) -> [SubscriptionRecord]? {
        let remaining = (subscriptions ?? []).filter { $0.transportId != transportId || $0.publisherParticipantId != publisher }
        return remaining.isEmpty ? nil : remaining
    }

    private mutating func fail(_ error: SignalingError, forget: String? = nil) -> Action {
        self.phase = .done
        return .fail(error, forget: forget)
    }

    private mutating func unexpected() -> Action {
        self.fail(SignalingError(.unavailable, "could not do that right now; retry"))
    }
}
