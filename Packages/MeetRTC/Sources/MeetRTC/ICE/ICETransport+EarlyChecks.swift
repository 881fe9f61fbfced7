/// Early connectivity checks on a server that offers (a subscriber
/// transport): a WebRTC client starts ICE the moment it has set our offer
/// and its own answer, usually before its answer has crossed the signaling
/// path back to us. Dropping those checks (the ufrag was unknown to the
/// socket until the answer) cost the client one retransmission round,
/// ~500 ms per subscription. So the ufrag is routed and the ICE-lite agent
/// answers as soon as the offer is out (RFC 8445 §7.3: the remote half of
/// USERNAME is checked when the answer arrives, see ``ICELiteAgent``).
///
/// DTLS cannot start before the answer: the answer carries the client's
/// fingerprint and its `a=setup` role. With `a=setup:actpass` in our offer
/// the client answers `active` (RFC 8842 §5.3), so it is the DTLS client and
/// sends its ClientHello as soon as its own ICE is connected, which may now
/// be before our answer: ``DTLSTransport`` keeps those records and feeds
/// them to the handshake once the answer has created it, instead of waiting
/// for the client's retransmission (1 s in OpenSSL-based clients). Media
/// waits for DTLS as always.
extension ICETransport {
    /// Starts the ICE-lite agent without remote credentials (the connection
    /// registered our ufrag with the socket; from `createOffer`).
    func startEarly() {
        assertOnOwningLoop()
        guard role == .server, agent == nil else { return }
        agent = .lite(ICELiteAgent(local: local, remote: nil, configuration: liteConfiguration))
        // An offer nobody answers or checks must not hold the socket's route
        // forever: the ICE deadline runs from the offer (the answer re-arms it).
        armDeadline()
    }
}
