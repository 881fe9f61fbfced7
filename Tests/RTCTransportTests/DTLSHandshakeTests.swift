import MeetDTLS
import NIOCore
import Testing

@Suite("DTLS handshake (RFC 6347, RFC 5764)")
struct DTLSHandshakeTests {
    @Test("client and server complete a handshake and derive mirrored SRTP keys")
    func handshakeDerivesMatchingKeys() throws {
        var wire = try DTLSWire()
        try wire.handshake()
        #expect(wire.client.state == .connected)
        #expect(wire.server.state == .connected)
        let clientKeys = try #require(wire.clientEvents.compactMap(\.keys).first)
        let serverKeys = try #require(wire.serverEvents.compactMap(\.keys).first)
        // Chrome's and aiortc's preferred profile wins when both offer it.
        #expect(clientKeys.profile == .aeadAES128GCM)
        #expect(clientKeys.localMasterKey == serverKeys.remoteMasterKey)
        #expect(clientKeys.localMasterSalt == serverKeys.remoteMasterSalt)
        #expect(clientKeys.remoteMasterKey == serverKeys.localMasterKey)
        #expect(clientKeys.remoteMasterSalt == serverKeys.localMasterSalt)
        #expect(clientKeys.localMasterKey.count == 16)
        #expect(clientKeys.localMasterSalt.count == 12)
        #expect(clientKeys.localMasterKey != clientKeys.remoteMasterKey)
        #expect(wire.client.peerFingerprint == DTLSFixtures.serverCertificate.fingerprint)
        #expect(wire.server.peerFingerprint == DTLSFixtures.clientCertificate.fingerprint)
        #expect(wire.client.keyingMaterial == clientKeys)
    }

    @Test("roles swapped: the other certificate acts as client")
    func handshakeRolesSwapped() throws {
        var wire = try DTLSWire(
            clientContext: DTLSFixtures.serverContext, serverContext: DTLSFixtures.clientContext)
        try wire.handshake()
        let clientKeys = try #require(wire.clientEvents.compactMap(\.keys).first)
        let serverKeys = try #require(wire.serverEvents.compactMap(\.keys).first)
        #expect(clientKeys.localMasterKey == serverKeys.remoteMasterKey)
        #expect(clientKeys.remoteMasterSalt == serverKeys.localMasterSalt)
        #expect(wire.client.peerFingerprint == DTLSFixtures.clientCertificate.fingerprint)
    }

    @Test("AES-CM-HMAC-SHA1-80 is chosen when the server offers only it; salts are 14 bytes")
    func negotiatesAESCMWhenOnlyOffered() throws {
        let serverContext = try DTLSContext(
            certificate: DTLSFixtures.serverCertificate, srtpProfiles: [.aes128CMHMACSHA1_80])
        var wire = try DTLSWire(serverContext: serverContext)
        try wire.handshake()
        let keys = try #require(wire.clientEvents.compactMap(\.keys).first)
        #expect(keys.profile == .aes128CMHMACSHA1_80)
        #expect(keys.localMasterSalt.count == 14)
        #expect(wire.serverEvents.compactMap(\.keys).first?.remoteMasterKey == keys.localMasterKey)
    }

    @Test("every datagram stays within the configured MTU")
    func datagramsRespectMTU() throws {
        var wire = try DTLSWire(configuration: DTLSConfiguration(mtu: 300))
        try wire.handshake()
        #expect(wire.client.state == .connected)
        #expect(!wire.serverDatagramSizes.isEmpty)
        #expect((wire.clientDatagramSizes + wire.serverDatagramSizes).allSatisfy { $0 <= 300 })
    }

    @Test("the server rejects a client whose certificate does not match the SDP fingerprint")
    func serverRejectsFingerprintMismatch() throws {
        let wrong = DTLSFixtures.serverCertificate.fingerprint  // not the client's
        var wire = try DTLSWire(serverExpects: [wrong])
        try wire.handshake()
        #expect(wire.server.state == .failed)
        #expect(wire.server.keyingMaterial == nil)
        #expect(wire.serverEvents.compactMap(\.keys).isEmpty)
        let failure = try #require(wire.serverEvents.compactMap(\.failure).first)
        #expect(failure == .fingerprintMismatch(actual: DTLSFixtures.clientCertificate.fingerprint))
    }

    @Test("the client rejects a server whose certificate does not match the SDP fingerprint")
    func clientRejectsFingerprintMismatch() throws {
        var digest = DTLSFixtures.serverCertificate.fingerprint.digest
        digest[0] ^= 0xFF
        var wire = try DTLSWire(clientExpects: [DTLSFingerprint(algorithm: .sha256, digest: digest)])
        try wire.handshake()
        #expect(wire.client.state == .failed)
        #expect(wire.clientEvents.compactMap(\.keys).isEmpty)
        guard case .fingerprintMismatch = try #require(wire.clientEvents.compactMap(\.failure).first) else {
            Issue.record("expected a fingerprint mismatch")
            return
        }
    }

    @Test("a fingerprint learnt after the handshake is checked then, and other hashes work")
    func lateFingerprint() throws {
        var wire = try DTLSWire(clientExpects: [])
        try wire.handshake()
        #expect(wire.client.state == .connecting)
        #expect(wire.clientEvents.compactMap(\.keys).isEmpty)
        let sha1 = try #require(DTLSFixtures.serverCertificate.fingerprint(using: .sha1))
        let actions = wire.client.setRemoteFingerprints([sha1], now: wire.now)
        #expect(actions.compactMap(\.keys).count == 1)
        #expect(wire.client.state == .connected)
    }

    @Test("application data passes both ways; close_notify closes the peer")
    func applicationDataAndClose() throws {
        var wire = try DTLSWire()
        try wire.handshake()
        let payload = ByteBuffer(bytes: Array("sctp packet".utf8))
        let sent = try wire.client.send(applicationData: payload, now: wire.now)
        try wire.pump(fromClient: sent)
        #expect(wire.serverEvents.compactMap(\.data) == [payload])
        let reply = try wire.server.send(applicationData: ByteBuffer(bytes: [1, 2, 3]), now: wire.now)
        try wire.pump(fromServer: reply)
        #expect(wire.clientEvents.compactMap(\.data) == [ByteBuffer(bytes: [1, 2, 3])])

        let closing = wire.client.close(now: wire.now)
        #expect(wire.client.state == .closed)
        try wire.pump(fromClient: closing)
        #expect(wire.server.state == .closed)
        #expect(wire.serverEvents.contains { $0.isClosed })
        #expect(throws: DTLSError.invalidState(.closed)) {
            try wire.server.send(applicationData: payload, now: wire.now)
        }
    }

    @Test("sending before the handshake is an error, not a crash")
    func sendBeforeConnected() throws {
        let wire = try DTLSWire()
        #expect(throws: DTLSError.invalidState(.new)) {
            try wire.client.send(applicationData: ByteBuffer(bytes: [1]), now: wire.now)
        }
    }
}
