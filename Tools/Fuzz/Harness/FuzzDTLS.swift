/// libFuzzer entry point for MeetDTLS (compiled into the MeetDTLS module by scripts/fuzz,
/// with the `ByteBuffer` stand-in from Tools/Fuzz/Support and linked to OpenSSL).
///
/// Once per process, a client and a server connection handshake in memory. Each input is
/// then one datagram from "the peer's address" to the established server, as a spoofer
/// would send it (issue 13: one 22-byte datagram failed the whole transport). After the
/// handshake nothing unauthenticated may fail or close the association (RFC 6347
/// §4.1.2.7): the harness traps if the server leaves `connected`, emits anything but
/// `.discarded`, or no longer carries the client's application data afterwards.
enum FuzzDTLSPair {
    static let pair: (client: DTLSConnection, server: DTLSConnection) = {
        do {
            let clientContext = try DTLSContext(certificate: try DTLSCertificate.generate(commonName: "fuzz-client"))
            let serverContext = try DTLSContext(certificate: try DTLSCertificate.generate(commonName: "fuzz-server"))
            let client = try DTLSConnection(
                context: clientContext, role: .client, remoteFingerprints: [serverContext.certificate.fingerprint])
            let server = try DTLSConnection(
                context: serverContext, role: .server, remoteFingerprints: [clientContext.certificate.fingerprint])
            let now = ContinuousClock.now
            var toServer = datagrams(client.start(now: now))
            for _ in 0..<10 where !toServer.isEmpty {
                var toClient: [ByteBuffer] = []
                for datagram in toServer { toClient += datagrams(try server.receive(datagram, now: now)) }
                toServer = []
                for datagram in toClient { toServer += datagrams(try client.receive(datagram, now: now)) }
            }
            guard client.state == .connected, server.state == .connected else { fatalError("fuzz DTLS pair did not connect") }
            return (client, server)
        } catch {
            fatalError("fuzz DTLS pair: \(error)")
        }
    }()

    static func datagrams(_ actions: [DTLSAction]) -> [ByteBuffer] {
        actions.compactMap { if case .sendDatagram(let datagram) = $0 { datagram } else { nil } }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func meetFuzzDTLS(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let (client, server) = FuzzDTLSPair.pair
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let now = ContinuousClock.now
    guard let actions = try? server.receive(ByteBuffer(bytes: bytes), now: now) else { return 0 }  // not DTLS
    for action in actions {
        switch action {
        case .discarded: break
        default: fatalError("a spoofed datagram made the server act: \(action)")
        }
    }
    guard server.state == .connected else { fatalError("a spoofed datagram left the server \(server.state)") }
    // The session still carries the real peer's records.
    let payload: [UInt8] = [0x6D, 0x65, 0x65, 0x74]
    guard let sent = try? client.send(applicationData: ByteBuffer(bytes: payload), now: now) else {
        fatalError("the client can no longer send")
    }
    var delivered: [ByteBuffer] = []
    for datagram in FuzzDTLSPair.datagrams(sent) {
        for case .applicationData(let data) in (try? server.receive(datagram, now: now)) ?? [] { delivered.append(data) }
    }
    guard delivered == [ByteBuffer(bytes: payload)] else { fatalError("the server stopped delivering the peer's data") }
    return 0
}
