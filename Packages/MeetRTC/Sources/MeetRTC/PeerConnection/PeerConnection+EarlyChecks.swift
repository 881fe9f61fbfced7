import NIOCore

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
/// be before our answer: those records are kept (at most
/// ``maxEarlyDTLSRecords``) and fed to the handshake once the answer has
/// created it, instead of waiting for the client's retransmission (1 s in
/// OpenSSL-based clients). Media waits for DTLS as always.
extension PeerConnection {
    /// DTLS records kept before the answer; a ClientHello is one or two.
    static let maxEarlyDTLSRecords = 8

    /// Registers the local ufrag with the socket and starts the ICE-lite
    /// agent without remote credentials (event loop; from `createOffer`).
    func startEarlyICE() throws {
        guard role == .server, ice == nil, !state.isTerminal else { return }
        guard socket.register(self) else { throw NegotiationError.wrongState("ufrag collision") }
        socket.metrics.peersCreated.increment()
        ice = .lite(ICELiteAgent(
            local: ICECredentials(ufrag: localUfrag, password: localPassword), remote: nil,
            configuration: liteConfiguration))
        // An offer nobody answers or checks must not hold the socket's route
        // forever: the ICE deadline runs from the offer (the answer re-arms it).
        schedule(.ice, in: configuration.iceTimeout)
    }

    /// True while our first offer awaits its answer and early checks are answered.
    var awaitsAnswerWithEarlyICE: Bool { negotiation == nil && ice != nil }

    /// Keeps a DTLS record that arrived before the answer (from a validated address).
    func keepEarlyDTLS(_ datagram: ByteBuffer) {
        guard earlyDTLS.count < Self.maxEarlyDTLSRecords else {
            countDrop(.beforeDTLS)
            return
        }
        earlyDTLS.append(datagram)
    }

    /// Feeds the kept records to the handshake the answer created.
    func replayEarlyDTLS() {
        let records = earlyDTLS
        earlyDTLS = []
        for record in records where !state.isTerminal { receiveDTLS(record) }
    }
}
