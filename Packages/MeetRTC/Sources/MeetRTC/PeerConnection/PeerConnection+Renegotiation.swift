import Logging
import NIOCore

/// Renegotiation on an established connection (RFC 8829 §5.2.2, §5.3.2):
/// tracks added and removed mid-call (screen share), and ICE restarts to
/// recover a path (RFC 8839 §4.4.1.1.1). The DTLS association and its SRTP
/// keys are kept throughout; media keeps flowing on the sections that stay.
extension PeerConnection {
    /// Answers a subsequent offer from the peer on a connection that has
    /// negotiated already (its first offer/answer went either way).
    ///
    /// - Existing m-lines keep their mids, order and state; our track on a
    ///   section stays (same SSRC).
    /// - New sections are answered like the first offer's (`sendBack` of
    ///   `acceptOffer` decides whether we send on them); they appear in
    ///   `remoteTracks` and the delegate's
    ///   `peerConnection(_:didChangeRemoteTracks:)` is called.
    /// - A section with port 0 or `a=inactive` is removed: its remote track
    ///   goes and its SSRCs are no longer delivered.
    /// - New `ice-ufrag`/`ice-pwd` restart ICE: the answer carries new local
    ///   credentials, the socket routes the new ufrag (the old one no more),
    ///   consent restarts on the new credentials; DTLS and SRTP stay.
    /// - A different DTLS fingerprint, swapped `a=setup` roles, or reordered
    ///   m-lines throw `NegotiationError` and change nothing.
    ///
    /// - Returns: the answer (SDP text).
    public func acceptReoffer(_ sdp: String, policy: MediaPolicy = MediaPolicy()) async throws -> String {
        try await eventLoop.submit {
            guard !self.state.isTerminal else {
                throw NegotiationError.wrongState("acceptReoffer before a first negotiation, or after close")
            }
            let outcome = try self.negotiator.reanswer(reoffer: sdp, local: self.localTransport, policy: policy)
            try self.apply(outcome)
            return outcome.local.sdp
        }.get()
    }

    /// A subsequent offer of ours on a connection that has negotiated
    /// already; apply the peer's answer with `acceptAnswer(_:)`.
    ///
    /// - Parameters:
    ///   - kinds: the media sections wanted from now on, in order, as in
    ///     `createOffer(kinds:direction:policy:)`. Live sections are matched
    ///     in m-line order: one is kept while its kind is the next wanted
    ///     kind, else it is offered with port 0 (removed); the wanted kinds
    ///     left over are appended as new sections (new mids: the next free
    ///     integers, so for a connection that offered first a mid is still
    ///     its m-line index) with new SSRCs in `localTracks` once answered.
    ///   - removing: mids to remove even though `kinds` would keep them (to
    ///     drop a middle section of a kind that occurs twice).
    ///   - iceRestart: offer new ICE credentials (RFC 8839 §4.4.1.1.1); the
    ///     restart takes effect when the answer is applied.
    /// - Returns: the offer (SDP text).
    public func createReoffer(
        kinds: [MediaKind], removing: Set<String> = [], iceRestart: Bool = false, policy: MediaPolicy = MediaPolicy()
    ) async throws -> String {
        try await eventLoop.submit {
            guard !self.state.isTerminal else {
                throw NegotiationError.wrongState("createReoffer before a first negotiation, or after close")
            }
            let offer = try self.negotiator.reoffer(
                kinds: kinds, removing: removing, iceRestart: iceRestart, local: self.localTransport, policy: policy)
            return offer.sdp
        }.get()
    }

    /// A subsequent offer of ours that says per m-line what happens to it
    /// (an SFU's subscriber connection that carries many publishers' tracks:
    /// a track that goes leaves its m-line `a=inactive`, a track that comes
    /// reactivates one of the same kind before a section is appended).
    ///
    /// - Parameters:
    ///   - changes: by mid; an m-line not named is kept. A rejected (port 0)
    ///     m-line stays rejected.
    ///   - appending: kinds of new sections at the end (mids: the next free
    ///     integers).
    /// - Returns: the offer (SDP text); `pendingLocalTracks` lists the
    ///   tracks it sends, new SSRCs included.
    public func createReoffer(
        changes: [String: SectionChange], appending: [MediaKind], iceRestart: Bool = false,
        policy: MediaPolicy = MediaPolicy()
    ) async throws -> String {
        try await eventLoop.submit {
            guard !self.state.isTerminal else {
                throw NegotiationError.wrongState("createReoffer before a first negotiation, or after close")
            }
            let offer = try self.negotiator.reoffer(
                changes: changes, appending: appending, iceRestart: iceRestart, local: self.localTransport, policy: policy)
            return offer.sdp
        }.get()
    }

    /// Forgets a pending offer whose answer will not come (JSEP rollback,
    /// RFC 8829 §4.1.10.2): the connection stays as last negotiated.
    public func rollbackOffer() async {
        try? await eventLoop.submit { self.negotiator.rollback() }.get()
    }

    /// Applies a renegotiated outcome: an ICE restart, then the tracks
    /// (removed sections' SSRCs retired), the mid extension id and the
    /// descriptions.
    func renegotiate(_ outcome: NegotiationOutcome, restartCredentials: ICECredentials?) throws {
        if let restartCredentials {
            try ice.restart(local: restartCredentials, remote: outcome.remote.transport)
        }
        let changed = receiver.renegotiate(
            tracks: outcome.result.remoteTracks, midExtensionID: negotiator.midExtensionID(in: outcome))
        negotiator.commit(outcome)
        logger.debug("renegotiated", metadata: [
            "remoteTracks": "\(remoteTracks.map { "\($0.kind.rawValue):\($0.mid)" })",
            "localTracks": "\(localTracks.map { "\($0.kind.rawValue):\($0.mid):\($0.ssrc)" })",
            "iceRestart": "\(restartCredentials != nil)",
        ])
        if changed {
            delegate?.peerConnection(self, didChangeRemoteTracks: remoteTracks)
        }
    }
}
