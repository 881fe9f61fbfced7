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
            guard !self.state.isTerminal, let previous = self.negotiation else {
                throw NegotiationError.wrongState("acceptReoffer before a first negotiation, or after close")
            }
            guard self.pendingOffer == nil else { throw NegotiationError.wrongState("a re-offer crossed our own pending offer") }
            let offer = try SessionModel(sdp: sdp)
            let renegotiated = try ReanswerRules.answer(
                toReoffer: offer, previous: previous, localTracks: self.localTracks, local: self.localTransport,
                freshCredentials: .random(), policy: policy, cname: self.cname)
            try self.install(renegotiated.result, local: renegotiated.result.local, remote: offer,
                             restartCredentials: renegotiated.restartCredentials)
            return renegotiated.result.local.sdp
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
            guard !self.state.isTerminal, let previous = self.negotiation else {
                throw NegotiationError.wrongState("createReoffer before a first negotiation, or after close")
            }
            guard self.pendingOffer == nil else { throw NegotiationError.wrongState("an offer is pending already") }
            let restart: ICECredentials? = iceRestart ? .random() : nil
            let (offer, tracks) = ReofferRules.offer(
                previous: previous, localTracks: self.localTracks, kinds: kinds, removing: removing,
                local: self.localTransport, restartCredentials: restart, policy: policy, cname: self.cname)
            self.pendingOffer = PendingOffer(
                offer: offer, tracks: tracks, direction: previous.offerDirection, isReoffer: true, restartCredentials: restart)
            return offer.sdp
        }.get()
    }

    /// Forgets a pending offer whose answer will not come (JSEP rollback,
    /// RFC 8829 §4.1.10.2): the connection stays as last negotiated.
    public func rollbackOffer() async {
        try? await eventLoop.submit { self.pendingOffer = nil }.get()
    }

    /// The answer to our re-offer (event loop).
    func acceptReanswerOnLoop(_ answer: SessionModel, to pending: PendingOffer) throws {
        guard !state.isTerminal, let previous = negotiation else { throw NegotiationError.wrongState("connection closed") }
        let result = try ReofferRules.apply(
            answer: answer, to: pending.offer, tracks: pending.tracks, previous: previous,
            restartingICE: pending.restartCredentials != nil)
        pendingOffer = nil
        try install(result, local: pending.offer, remote: answer, restartCredentials: pending.restartCredentials)
    }

    /// Installs a renegotiated result: tracks (removed sections' SSRCs
    /// retired), the mid extension id, the descriptions, and an ICE restart.
    private func install(
        _ result: NegotiationResult, local: SessionModel, remote: SessionModel, restartCredentials: ICECredentials?
    ) throws {
        if let restartCredentials {
            try restartICE(local: restartCredentials, remote: remote.transport)
        }
        let previousRemote = remoteTracks
        var bySSRC: [UInt32: Int] = [:]
        for (index, track) in result.remoteTracks.enumerated() {
            for ssrc in track.ssrcs { bySSRC[ssrc] = index }
        }
        // Learnt SSRCs follow their section while it stays; the rest retire.
        for (ssrc, oldIndex) in remoteTrackBySSRC where bySSRC[ssrc] == nil {
            if let newIndex = result.remoteTracks.firstIndex(where: { $0.mid == previousRemote[oldIndex].mid }) {
                bySSRC[ssrc] = newIndex
            } else {
                retire(ssrc)
            }
        }
        for track in previousRemote where !result.remoteTracks.contains(where: { $0.mid == track.mid }) {
            for ssrc in track.ssrcs where bySSRC[ssrc] == nil { retire(ssrc) }
        }
        for ssrc in bySSRC.keys { retiredSSRCs.remove(ssrc) }
        remoteTrackBySSRC = bySSRC
        remoteTracks = result.remoteTracks
        localTracks = result.localTracks
        negotiation?.local = local
        negotiation?.remote = remote
        let answer = role == .server ? local : remote
        midExtensionID = answer.sections.lazy.filter { $0.port != 0 }.flatMap(\.extensions).first { $0.uri == MediaPolicy.midURI }?.id
        logger.debug("renegotiated", metadata: [
            "remoteTracks": "\(remoteTracks.map { "\($0.kind.rawValue):\($0.mid)" })",
            "localTracks": "\(localTracks.map { "\($0.kind.rawValue):\($0.mid):\($0.ssrc)" })",
            "iceRestart": "\(restartCredentials != nil)",
        ])
        if previousRemote != remoteTracks {
            delegate?.peerConnection(self, didChangeRemoteTracks: remoteTracks)
        }
    }

    private func retire(_ ssrc: UInt32) {
        if retiredSSRCs.count >= Self.maxRetiredSSRCs, let any = retiredSSRCs.first { retiredSSRCs.remove(any) }
        retiredSSRCs.insert(ssrc)
    }

    /// Bounds the retired set like the learnt one.
    static let maxRetiredSSRCs = 256
}
