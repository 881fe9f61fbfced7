import NIOCore

/// Renegotiation on an established connection (RFC 8829 §5.2.2, §5.3.2):
/// tracks added and removed mid-call (screen share), and ICE restarts to
/// recover a path (RFC 8839 §4.4.1.1.1). The DTLS association and its SRTP
/// keys are kept throughout; media keeps flowing on the sections that stay.
/// The rules are ``ReanswerRules`` and ``ReofferRules``.
extension PeerConnection {
    /// Answers a subsequent offer from the peer after a first negotiation
    /// either way, by ``ReanswerRules`` (new sections answered as with the
    /// first offer's `sendBack`). Changed remote tracks go to the delegate's
    /// `peerConnection(_:didChangeRemoteTracks:)`; new `ice-ufrag`/`ice-pwd`
    /// restart ICE (the socket routes the new ufrag, the old one no more).
    /// An offer the rules refuse throws `NegotiationError`, changing nothing.
    ///
    /// - Returns: the answer (SDP text).
    public func acceptReoffer(_ sdp: String, policy: MediaPolicy = MediaPolicy()) async throws -> String {
        try await whileOpen("acceptReoffer") {
            let outcome = try self.negotiator.reanswer(reoffer: sdp, local: self.ice.localTransport, policy: policy)
            try self.apply(outcome)
            return outcome.local.sdp
        }
    }

    /// A subsequent offer of ours on a connection that has negotiated
    /// already; apply the peer's answer with `acceptAnswer(_:)`.
    ///
    /// - Parameters:
    ///   - kinds: the media sections wanted from now on, in order, matched
    ///     to the live ones by ``ReofferRules/changes(previous:kinds:removing:)``
    ///     (unmatched ones offered with port 0, new ones appended).
    ///   - removing: mids to remove even though `kinds` would keep them (to
    ///     drop a middle section of a kind that occurs twice).
    ///   - iceRestart: offer new ICE credentials (RFC 8839 §4.4.1.1.1); the
    ///     restart takes effect when the answer is applied.
    /// - Returns: the offer (SDP text).
    public func createReoffer(
        kinds: [MediaKind], removing: Set<String> = [], iceRestart: Bool = false, policy: MediaPolicy = MediaPolicy()
    ) async throws -> String {
        try await whileOpen("createReoffer") {
            try self.negotiator.reoffer(
                kinds: kinds, removing: removing, iceRestart: iceRestart, local: self.ice.localTransport, policy: policy
            ).sdp
        }
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
    /// - Returns: the offer (SDP text); once answered, `localTracks` lists
    ///   the tracks it sends, new SSRCs included.
    public func createReoffer(
        changes: [String: SectionChange], appending: [MediaKind], iceRestart: Bool = false,
        policy: MediaPolicy = MediaPolicy()
    ) async throws -> String {
        try await whileOpen("createReoffer") {
            try self.negotiator.reoffer(
                changes: changes, appending: appending, iceRestart: iceRestart, local: self.ice.localTransport,
                policy: policy
            ).sdp
        }
    }

    /// Forgets a pending offer whose answer will not come (JSEP rollback,
    /// RFC 8829 §4.1.10.2): the connection stays as last negotiated.
    public func rollbackOffer() async {
        try? await eventLoop.submit { self.negotiator.rollback() }.get()
    }

    /// Runs `body` on the event loop unless the connection closed or failed.
    private func whileOpen<T: Sendable>(
        _ call: String, _ body: @escaping @Sendable () throws -> T
    ) async throws -> T {
        try await eventLoop.submit {
            guard !self.state.isTerminal else {
                throw NegotiationError.wrongState("\(call) before a first negotiation, or after close")
            }
            return try body()
        }.get()
    }
}
