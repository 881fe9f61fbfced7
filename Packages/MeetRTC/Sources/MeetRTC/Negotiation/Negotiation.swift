import MeetDTLS

/// What was negotiated on a connection, kept for its lifetime and updated by
/// every later offer/answer exchange (RFC 8829 §5.2.2, §5.3.2): the two
/// current descriptions, the DTLS role (fixed for the association), and
/// what a re-offer or re-answer needs to treat new sections like the first
/// ones.
struct Negotiation: Sendable {
    /// Our current description (the offer we made or the answer we gave).
    var local: SessionModel
    /// The peer's current description.
    var remote: SessionModel
    var dtlsRole: DTLSRole
    /// Whether we answer new sections with a track of our own
    /// (`acceptOffer(_:sendBack:policy:)`).
    var sendBack: Bool
    /// The direction of new sections in our re-offers: the one of our first
    /// offer, or derived from `sendBack` when we answered first.
    var offerDirection: MediaDirection

    /// Sections that carry media now: accepted in both descriptions, not
    /// rejected with port 0 by either side. Index-aligned m-lines (RFC 8829
    /// §5.2.2: m-lines are never removed or reordered).
    func isLive(_ index: Int) -> Bool {
        index < local.sections.count && index < remote.sections.count
            && local.sections[index].port != 0 && remote.sections[index].port != 0
    }

    /// `a=setup` for a later description: our role, no new association
    /// (RFC 8842 §5.5).
    var currentSetup: DTLSSetup { dtlsRole == .server ? .passive : .active }

    /// RFC 8842 §5.5: a later description must keep the certificate (same
    /// fingerprints) or it asks for a new DTLS association, which we refuse.
    func checkSameFingerprints(_ transport: TransportModel) throws(NegotiationError) {
        let previous = remote.transport.fingerprints
        let offered = transport.fingerprints
        guard !offered.isEmpty, offered.allSatisfy(previous.contains), previous.allSatisfy(offered.contains) else {
            throw .unsupported("a changed DTLS fingerprint (a new DTLS association) in a subsequent description")
        }
    }
}
