/// The offer/answer side of one peer connection (pion's negotiation
/// inside `PeerConnection`, JSEP, RFC 8829): our pending offer, what the
/// exchanges so far settled, and our tracks. Sans-I/O: each step takes SDP
/// and returns a ``NegotiationOutcome`` that the connection applies to its
/// transports and receiver, then records with ``commit(_:)``.
///
/// A server answers its peer's first offer (publishers) or offers first
/// (subscribers); a client offers. Either side may renegotiate later
/// (`PeerConnection+Renegotiation.swift`).
struct Negotiator {
    let role: PeerConnection.Role
    /// RTCP CNAME of our tracks (RFC 7022: random per connection).
    let cname = RandomString.make(length: 16)
    /// What the exchanges so far settled; nil before the first answer.
    private(set) var negotiation: Negotiation?
    /// Our offer until its answer arrives.
    private(set) var pendingOffer: PendingOffer?
    /// Tracks we send (answer/offer `a=ssrc`).
    private(set) var localTracks: [LocalTrack] = []

    init(role: PeerConnection.Role) {
        self.role = role
    }

    /// True while our first offer awaits its answer.
    var awaitsFirstAnswer: Bool { negotiation == nil && pendingOffer != nil }

    // MARK: First exchange

    /// Our answer to the peer's first offer.
    func answer(
        offer sdp: String, local: LocalTransport, sendBack: Bool, policy: MediaPolicy
    ) throws -> NegotiationOutcome {
        guard negotiation == nil, pendingOffer == nil else {
            throw NegotiationError.wrongState("acceptOffer on a connection that negotiated already")
        }
        let offer = try SessionModel(sdp: sdp)
        let result = try AnswerRules.answer(to: offer, local: local, policy: policy, sendBack: sendBack, cname: cname)
        return NegotiationOutcome(
            result: result, local: result.local, remote: offer,
            kind: .first(sendBack: sendBack, offerDirection: sendBack ? .sendrecv : .recvonly))
    }

    /// Our first offer, kept until its answer.
    mutating func offer(
        kinds: [MediaKind], direction: MediaDirection, local: LocalTransport, policy: MediaPolicy
    ) throws(NegotiationError) -> SessionModel {
        guard negotiation == nil, pendingOffer == nil else {
            throw .wrongState("createOffer on a connection that negotiated already")
        }
        let (offer, tracks) = OfferRules.offer(kinds: kinds, direction: direction, local: local, policy: policy, cname: cname)
        pendingOffer = PendingOffer(offer: offer, tracks: tracks, direction: direction)
        return offer
    }

    /// The answer to our pending offer (a first offer or a re-offer). The
    /// offer stops being pending once the answer applies; an answer that does
    /// not parse or fails the offer's rules leaves it pending (rolled back by
    /// the caller).
    mutating func acceptAnswer(_ sdp: String) throws -> NegotiationOutcome {
        guard let pending = pendingOffer else { throw NegotiationError.wrongState("no offer pending") }
        let answer = try SessionModel(sdp: sdp)
        if pending.isReoffer {
            guard let previous = negotiation else { throw NegotiationError.wrongState("connection closed") }
            let result = try ReofferRules.apply(
                answer: answer, to: pending.offer, tracks: pending.tracks, previous: previous,
                restartingICE: pending.restartCredentials != nil)
            pendingOffer = nil
            return NegotiationOutcome(
                result: result, local: pending.offer, remote: answer,
                kind: .renegotiated(restartCredentials: pending.restartCredentials))
        }
        let result = try OfferRules.apply(answer: answer, to: pending.offer, localTracks: pending.tracks)
        pendingOffer = nil
        return NegotiationOutcome(
            result: result, local: result.local, remote: answer,
            kind: .first(sendBack: pending.direction.sends, offerDirection: pending.direction))
    }

    // MARK: Later exchanges (RFC 8829 §5.2.2, §5.3.2)

    /// Our answer to a subsequent offer.
    func reanswer(reoffer sdp: String, local: LocalTransport, policy: MediaPolicy) throws -> NegotiationOutcome {
        guard let previous = negotiation else {
            throw NegotiationError.wrongState("acceptReoffer before a first negotiation, or after close")
        }
        guard pendingOffer == nil else { throw NegotiationError.wrongState("a re-offer crossed our own pending offer") }
        let offer = try SessionModel(sdp: sdp)
        let renegotiated = try ReanswerRules.answer(
            toReoffer: offer, previous: previous, localTracks: localTracks, local: local,
            freshCredentials: .random(), policy: policy, cname: cname)
        return NegotiationOutcome(
            result: renegotiated.result, local: renegotiated.result.local, remote: offer,
            kind: .renegotiated(restartCredentials: renegotiated.restartCredentials))
    }

    /// A subsequent offer of ours, kept until its answer: the live sections
    /// matched to `kinds` in order (``ReofferRules/changes(previous:kinds:removing:)``).
    mutating func reoffer(
        kinds: [MediaKind], removing: Set<String>, iceRestart: Bool, local: LocalTransport, policy: MediaPolicy
    ) throws(NegotiationError) -> SessionModel {
        guard let previous = negotiation else {
            throw .wrongState("createReoffer before a first negotiation, or after close")
        }
        let (changes, appending) = ReofferRules.changes(previous: previous, kinds: kinds, removing: removing)
        return try reoffer(changes: changes, appending: appending, iceRestart: iceRestart, local: local, policy: policy)
    }

    /// A subsequent offer of ours that changes each m-line as `changes`
    /// says (by mid; unnamed ones are kept) and appends `appending`.
    mutating func reoffer(
        changes: [String: SectionChange], appending: [MediaKind], iceRestart: Bool, local: LocalTransport,
        policy: MediaPolicy
    ) throws(NegotiationError) -> SessionModel {
        guard let previous = negotiation else {
            throw .wrongState("createReoffer before a first negotiation, or after close")
        }
        guard pendingOffer == nil else { throw .wrongState("an offer is pending already") }
        let restart: ICECredentials? = iceRestart ? .random() : nil
        let (offer, tracks) = ReofferRules.offer(
            previous: previous, localTracks: localTracks, changes: changes, appending: appending,
            local: local, restartCredentials: restart, policy: policy, cname: cname)
        pendingOffer = PendingOffer(
            offer: offer, tracks: tracks, direction: previous.offerDirection, isReoffer: true, restartCredentials: restart)
        return offer
    }

    /// JSEP rollback (RFC 8829 §4.1.10.2): forgets the pending offer.
    mutating func rollback() {
        pendingOffer = nil
    }

    /// Records an outcome the connection applied.
    mutating func commit(_ outcome: NegotiationOutcome) {
        localTracks = outcome.result.localTracks
        switch outcome.kind {
        case .first(let sendBack, let offerDirection):
            negotiation = Negotiation(
                local: outcome.local, remote: outcome.remote, dtlsRole: outcome.result.dtlsRole,
                sendBack: sendBack, offerDirection: offerDirection)
        case .renegotiated:
            negotiation?.local = outcome.local
            negotiation?.remote = outcome.remote
        }
    }

    // MARK: What was negotiated

    /// The ids of the mid and RID header extensions in an outcome's answer
    /// (ours as a server, theirs as a client), on sections not rejected
    /// (one id per URI across the bundle, RFC 8843 §9.2).
    func receiveExtensionIDs(in outcome: NegotiationOutcome) -> RTPReceiver.ExtensionIDs {
        let answer = role == .server ? outcome.local : outcome.remote
        let extensions = answer.sections.filter { $0.port != 0 }.flatMap(\.extensions)
        func id(_ uri: String) -> UInt8? { extensions.first { $0.uri == uri }?.id }
        return RTPReceiver.ExtensionIDs(
            mid: id(MediaPolicy.midURI), rid: id(MediaPolicy.ridURI), repairedRid: id(MediaPolicy.repairedRidURI))
    }

    /// The header extension ids of our latest description: the offer
    /// awaiting its answer, else the description last negotiated.
    var localHeaderExtensionIDs: HeaderExtensionIDs {
        HeaderExtensionIDs(pendingOffer?.offer ?? negotiation?.local)
    }

    /// The codecs both sides agreed on for section `mid` (payload types in
    /// both descriptions), in the remote description's order.
    func sendCodecs(mid: String) -> [CodecModel] {
        guard let negotiation,
              let local = negotiation.local.sections.first(where: { $0.mid == mid && $0.port != 0 }),
              let remote = negotiation.remote.sections.first(where: { $0.mid == mid && $0.port != 0 })
        else { return [] }
        return remote.codecs.filter { codec in local.codecs.contains { $0.payloadType == codec.payloadType } }
    }
}

/// What one offer/answer step settled, for the connection to apply.
struct NegotiationOutcome {
    enum Kind {
        /// The first exchange: DTLS and ICE start.
        case first(sendBack: Bool, offerDirection: MediaDirection)
        /// A later one: tracks change, ICE restarts if `restartCredentials`.
        case renegotiated(restartCredentials: ICECredentials?)
    }

    var result: NegotiationResult
    /// Our description and the peer's, as they stand after this step.
    var local: SessionModel
    var remote: SessionModel
    var kind: Kind
}

/// Our offer until its answer arrives (client, or a server offering to a
/// subscriber); a re-offer also carries the ICE credentials it announced.
struct PendingOffer {
    var offer: SessionModel
    var tracks: [LocalTrack]
    var direction: MediaDirection
    /// True for a subsequent offer on an established connection.
    var isReoffer = false
    /// New local ICE credentials when the re-offer restarts ICE.
    var restartCredentials: ICECredentials?
}
