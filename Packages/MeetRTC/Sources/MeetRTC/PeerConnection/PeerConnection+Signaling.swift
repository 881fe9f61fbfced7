import Logging
import Metrics
import NIOCore

/// Offer/answer on a `PeerConnection`: the server answers, the client
/// offers. The ``Negotiator`` settles each step; the connection applies the
/// outcome to its transports and receiver.
extension PeerConnection {
    /// Applies the remote offer and returns our answer (SDP text). A server
    /// answers as ICE-lite with `a=setup:passive`; a client as full ICE with
    /// `a=setup:active`.
    ///
    /// - Parameters:
    ///   - sendBack: also send a track on each section the offerer receives on
    ///     (`localTracks` then lists their SSRCs).
    ///   - policy: codecs, header extensions and feedback to keep.
    public func acceptOffer(_ sdp: String, sendBack: Bool, policy: MediaPolicy = MediaPolicy()) async throws -> String {
        try await eventLoop.submit {
            let outcome = try self.negotiator.answer(
                offer: sdp, local: self.ice.localTransport, sendBack: sendBack, policy: policy)
            try self.apply(outcome)
            return outcome.local.sdp
        }.get()
    }

    /// Our offer (SDP text) with one section per kind in `direction`: sendrecv
    /// for a client, sendonly for a server offering tracks to a subscriber.
    /// A server answers connectivity checks from here on, before the answer
    /// arrives (`ICETransport+EarlyChecks.swift`).
    public func createOffer(
        kinds: [MediaKind], direction: MediaDirection = .sendrecv, policy: MediaPolicy = MediaPolicy()
    ) async throws -> String {
        try await eventLoop.submit {
            var negotiator = self.negotiator
            let offer = try negotiator.offer(kinds: kinds, direction: direction, local: self.ice.localTransport, policy: policy)
            if self.role == .server, !self.ice.isStarted, !self.state.isTerminal {
                try self.register()
                self.ice.startEarly()
            }
            self.negotiator = negotiator
            return offer.sdp
        }.get()
    }

    /// Applies the answer to our offer and starts ICE; or, after
    /// `createReoffer(kinds:removing:iceRestart:policy:)`, the answer to that
    /// re-offer (tracks updated, ICE restarted if asked, DTLS and SRTP kept).
    public func acceptAnswer(_ sdp: String) async throws {
        try await eventLoop.submit {
            if self.negotiator.pendingOffer?.isReoffer == true, self.state.isTerminal {
                throw NegotiationError.wrongState("connection closed")
            }
            try self.apply(try self.negotiator.acceptAnswer(sdp))
        }.get()
    }

    /// Routes the local ufrag to this connection (event loop).
    private func register() throws {
        guard socket.register(self) else { throw NegotiationError.wrongState("ufrag collision") }
        socket.metrics.peersCreated.increment()
    }

    /// Applies what an offer/answer step settled: the first registers the
    /// connection and starts DTLS and ICE; a later one restarts ICE if asked
    /// (DTLS and SRTP stay). Both update the tracks and the descriptions.
    func apply(_ outcome: NegotiationOutcome) throws {
        eventLoop.preconditionInEventLoop()
        var event: Logger.Message = "negotiated", detail: Logger.Metadata = [:]
        switch outcome.kind {
        case .first:
            // Closed meanwhile (by its owner, or its early checks' consent expired):
            // registering again would route a dead peer.
            guard !state.isTerminal else { throw NegotiationError.wrongState("the connection is closed") }
            // A server that offered registered at `createOffer` (early checks).
            if !ice.isStarted { try register() }
            detail["dtlsRole"] = "\(outcome.result.dtlsRole)"
        case .renegotiated(let restartCredentials):
            if let restartCredentials { try ice.restart(local: restartCredentials, remote: outcome.remote.transport) }
            event = "renegotiated"
            detail["iceRestart"] = "\(restartCredentials != nil)"
        }
        let changed = receiver.apply(outcome, midExtensionID: negotiator.midExtensionID(in: outcome))
        negotiator.commit(outcome)
        if case .first = outcome.kind {
            guard try dtls.startNegotiated(role: outcome.result.dtlsRole, remote: outcome.remote.transport) else { return }
        }
        detail["remoteTracks"] = "\(remoteTracks.map { "\($0.kind.rawValue):\($0.mid)" })"
        detail["localTracks"] = "\(localTracks.map { "\($0.kind.rawValue):\($0.mid):\($0.ssrc)" })"
        logger.debug(event, metadata: detail)
        if changed { delegate?.peerConnection(self, didChangeRemoteTracks: remoteTracks) }
    }
}
