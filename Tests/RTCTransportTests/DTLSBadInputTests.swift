import MeetDTLS
import NIOCore
import Testing

@Suite("DTLS bad input")
struct DTLSBadInputTests {
    @Test("bytes that are not DTLS (RFC 7983) are rejected with a typed error")
    func notDTLSRejected() throws {
        let wire = try DTLSWire()
        for first: UInt8 in [0, 1, 19, 64, 127, 128, 255] {
            #expect(throws: DTLSError.notDTLS) {
                try wire.server.receive(ByteBuffer(bytes: [first, 0xFE, 0xFD, 0, 0]), now: wire.now)
            }
        }
        #expect(throws: DTLSError.notDTLS) {
            try wire.server.receive(ByteBuffer(), now: wire.now)
        }
    }

    @Test("random DTLS-looking datagrams never crash a server, and it still handshakes after")
    func randomDatagramsAreDropped() throws {
        var random = SeededRandom(seed: 0xD715)
        var wire = try DTLSWire()
        for _ in 0..<500 {
            var bytes = random.bytes(Int.random(in: 1...300, using: &random))
            bytes[0] = UInt8.random(in: 20...63, using: &random)
            if bytes.count > 2, Bool.random(using: &random) {
                bytes[1] = 0xFE
                bytes[2] = 0xFD
            }
            let actions = try wire.server.receive(ByteBuffer(bytes: bytes), now: wire.now)
            #expect(actions.compactMap(\.keys).isEmpty)
            if wire.server.state == .failed { break }
        }
        // A server that failed on garbage stays failed; a fresh one works.
        if wire.server.state == .failed {
            wire = try DTLSWire()
        }
        try wire.handshake()
        #expect(wire.server.state == .connected)
    }

    @Test("garbage after the handshake is dropped and the session keeps working")
    func garbageAfterHandshake() throws {
        var random = SeededRandom(seed: 42)
        var wire = try DTLSWire()
        try wire.handshake()
        for _ in 0..<200 {
            var bytes = random.bytes(Int.random(in: 13...200, using: &random))
            bytes[0] = 23  // application_data
            bytes[1] = 0xFE
            bytes[2] = 0xFD
            let actions = try wire.server.receive(ByteBuffer(bytes: bytes), now: wire.now)
            #expect(actions.compactMap(\.data).isEmpty)
        }
        #expect(wire.server.state == .connected)
        let sent = try wire.client.send(applicationData: ByteBuffer(bytes: [7, 7]), now: wire.now)
        try wire.pump(fromClient: sent)
        #expect(wire.serverEvents.compactMap(\.data) == [ByteBuffer(bytes: [7, 7])])
    }

    @Test("a ClientHello from a second client does not disturb an established session")
    func secondClientIgnored() throws {
        var wire = try DTLSWire()
        try wire.handshake()
        let intruder = try DTLSConnection(context: DTLSFixtures.clientContext, role: .client)
        let hello = DTLSWire.split(intruder.start(now: wire.now), events: &wire.clientEvents)
        for datagram in hello {
            let actions = try wire.server.receive(datagram, now: wire.now)
            #expect(actions.compactMap(\.keys).isEmpty)
        }
        let sent = try wire.client.send(applicationData: ByteBuffer(bytes: [9]), now: wire.now)
        try wire.pump(fromClient: sent)
        #expect(wire.serverEvents.compactMap(\.data).last == ByteBuffer(bytes: [9]))
    }
}
