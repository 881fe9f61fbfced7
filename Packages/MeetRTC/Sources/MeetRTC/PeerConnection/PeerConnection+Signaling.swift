import MeetDTLS
import NIOCore

/// Offer/answer on a `PeerConnection`: the server answers, the client offers.
extension PeerConnection {
    /// Our transport parameters for the local description.
    var localTransport: LocalTransport {
        LocalTransport(
            iceUfrag: localUfrag, icePassword: localPassword, fingerprint: configuration.dtls.certificate.fingerprint,
            candidateIP: configuration.publicIP, candidatePort: socket.localAddress.port ?? 0, iceLite: role == .server)
    }

    /// Applies the remote offer and returns our answer (SDP text). A server
    /// answers as ICE-lite with `a=setup:passive`; a client as full ICE with
    /// `a=setup:active`.
    ///
    /// - Parameters:
    ///   - sendBack: also send a track on each section the offerer receives on
    ///     (`localTracks` then lists their SSRCs).
    ///   - policy: codecs, header extensions and feedback to keep.
    public func acceptOffer(_ sdp: String, sendBack: Bool, policy: MediaPolicy = MediaPolicy()) async throws -> String {
        try await eventLoop.submit { try self.acceptOfferOnLoop(sdp, sendBack: sendBack, policy: policy) }.get()
    }

    func acceptOfferOnLoop(_ sdp: String, sendBack: Bool, policy: MediaPolicy) throws -> String {
        guard negotiation == nil, pendingOffer == nil else { throw NegotiationError.wrongState("acceptOffer on a connection that negotiated already") }
        let offer = try SessionModel(sdp: sdp)
        let result = try AnswerRules.answer(to: offer, local: localTransport, policy: policy, sendBack: sendBack, cname: cname)
        try apply(result, remote: offer, sendBack: sendBack, offerDirection: sendBack ? .sendrecv : .recvonly)
        return result.local.sdp
    }

    /// Our offer (SDP text) with one section per kind in `direction`: sendrecv
    /// for a client, sendonly for a server offering tracks to a subscriber.
    /// A server answers connectivity checks from here on, before the answer
    /// arrives (``startEarlyICE()``).
    public func createOffer(
        kinds: [MediaKind], direction: MediaDirection = .sendrecv, policy: MediaPolicy = MediaPolicy()
    ) async throws -> String {
        try await eventLoop.submit {
            guard self.negotiation == nil, self.pendingOffer == nil else { throw NegotiationError.wrongState("createOffer on a connection that negotiated already") }
            let (offer, tracks) = OfferRules.offer(
                kinds: kinds, direction: direction, local: self.localTransport, policy: policy, cname: self.cname)
            if self.role == .server { try self.startEarlyICE() }
            self.pendingOffer = PendingOffer(offer: offer, tracks: tracks, direction: direction)
            return offer.sdp
        }.get()
    }

    /// Applies the answer to our offer and starts ICE; or, after
    /// `createReoffer(kinds:removing:iceRestart:policy:)`, the answer to that
    /// re-offer (tracks updated, ICE restarted if asked, DTLS and SRTP kept).
    public func acceptAnswer(_ sdp: String) async throws {
        try await eventLoop.submit {
            guard let pending = self.pendingOffer else { throw NegotiationError.wrongState("no offer pending") }
            let answer = try SessionModel(sdp: sdp)
            if pending.isReoffer {
                try self.acceptReanswerOnLoop(answer, to: pending)
                return
            }
            let result = try OfferRules.apply(answer: answer, to: pending.offer, localTracks: pending.tracks)
            self.pendingOffer = nil
            try self.apply(result, remote: answer, sendBack: pending.direction.sends, offerDirection: pending.direction)
        }.get()
    }

    /// Installs a negotiation result: tracks, DTLS, routing, ICE timers.
    private func apply(_ result: NegotiationResult, remote: SessionModel, sendBack: Bool, offerDirection: MediaDirection) throws {
        // Closed meanwhile (by its owner, or its early checks' consent expired):
        // registering again would route a dead peer.
        guard !state.isTerminal else { throw NegotiationError.wrongState("the connection is closed") }
        // A server that offered registered at `createOffer` (early checks).
        if ice == nil {
            guard socket.register(self) else { throw NegotiationError.wrongState("ufrag collision") }
            socket.metrics.peersCreated.increment()
        }
        localTracks = result.localTracks
        remoteTracks = result.remoteTracks
        remoteTrackBySSRC = [:]
        for (index, track) in remoteTracks.enumerated() {
            for ssrc in track.ssrcs { remoteTrackBySSRC[ssrc] = index }
        }
        negotiation = Negotiation(
            local: result.local, remote: remote, dtlsRole: result.dtlsRole, sendBack: sendBack, offerDirection: offerDirection)
        // The answer says which extensions are in use: ours as a server, theirs as a client.
        let answer = role == .server ? result.local : remote
        midExtensionID = answer.sections.lazy.flatMap(\.extensions).first { $0.uri == MediaPolicy.midURI }?.id
        do {
            try makeDTLS(role: result.dtlsRole, remoteFingerprints: remote.transport.fingerprints)
        } catch {
            fail(.dtls, "\(error)")
            throw error
        }
        startICE(remote: remote.transport)
        guard !state.isTerminal else { return }
        if statsStorage.stages.iceConnected {
            // Early checks connected ICE already: DTLS may start now.
            startDTLS()
            replayEarlyDTLS()
        } else {
            schedule(.ice, in: configuration.iceTimeout)
        }
        logger.debug("negotiated", metadata: [
            "remoteTracks": "\(remoteTracks.map { "\($0.kind.rawValue):\($0.mid)" })",
            "localTracks": "\(localTracks.map { "\($0.kind.rawValue):\($0.mid):\($0.ssrc)" })",
            "dtlsRole": "\(result.dtlsRole)",
        ])
    }
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
