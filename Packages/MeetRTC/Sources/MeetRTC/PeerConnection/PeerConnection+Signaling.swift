import Logging
import MeetDTLS
import Metrics
import NIOCore

/// Offer/answer on a `PeerConnection`: the server answers, the client
/// offers. The ``Negotiator`` settles each step; the connection applies the
/// outcome to its transports and receiver.
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
        try await eventLoop.submit {
            let outcome = try self.negotiator.answer(offer: sdp, local: self.localTransport, sendBack: sendBack, policy: policy)
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
            let offer = try negotiator.offer(kinds: kinds, direction: direction, local: self.localTransport, policy: policy)
            if self.role == .server { try self.startEarlyICE() }
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

    /// Registers the local ufrag with the socket and starts the ICE-lite
    /// agent without remote credentials (event loop; from `createOffer`).
    private func startEarlyICE() throws {
        guard role == .server, !ice.isStarted, !state.isTerminal else { return }
        guard socket.register(self) else { throw NegotiationError.wrongState("ufrag collision") }
        socket.metrics.peersCreated.increment()
        ice.startEarly()
    }

    /// Applies what an offer/answer step settled.
    func apply(_ outcome: NegotiationOutcome) throws {
        eventLoop.preconditionInEventLoop()
        switch outcome.kind {
        case .first: try start(outcome)
        case .renegotiated(let restartCredentials): try renegotiate(outcome, restartCredentials: restartCredentials)
        }
    }

    /// The first negotiation: tracks, DTLS, routing, ICE timers.
    private func start(_ outcome: NegotiationOutcome) throws {
        // Closed meanwhile (by its owner, or its early checks' consent expired):
        // registering again would route a dead peer.
        guard !state.isTerminal else { throw NegotiationError.wrongState("the connection is closed") }
        // A server that offered registered at `createOffer` (early checks).
        if !ice.isStarted {
            guard socket.register(self) else { throw NegotiationError.wrongState("ufrag collision") }
            socket.metrics.peersCreated.increment()
        }
        negotiator.commit(outcome)
        receiver.start(tracks: outcome.result.remoteTracks, midExtensionID: negotiator.midExtensionID(in: outcome))
        do {
            try dtls.make(role: outcome.result.dtlsRole, remoteFingerprints: outcome.remote.transport.fingerprints)
        } catch {
            fail(.dtls, "\(error)")
            throw error
        }
        ice.start(remote: outcome.remote.transport)
        guard !state.isTerminal else { return }
        if ice.isConnected {
            // Early checks connected ICE already: DTLS may start now.
            dtls.start()
            dtls.replayEarly()
        } else {
            ice.armDeadline()
        }
        logger.debug("negotiated", metadata: [
            "remoteTracks": "\(remoteTracks.map { "\($0.kind.rawValue):\($0.mid)" })",
            "localTracks": "\(localTracks.map { "\($0.kind.rawValue):\($0.mid):\($0.ssrc)" })",
            "dtlsRole": "\(outcome.result.dtlsRole)",
        ])
    }
}
