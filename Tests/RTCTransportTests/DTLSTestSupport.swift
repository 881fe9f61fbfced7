import MeetDTLS
import NIOCore

/// Shared fixtures for the DTLS tests: one certificate per side for the whole
/// run, and a loopback "wire" that carries datagrams between two connections.
enum DTLSFixtures {
    static let clientCertificate = try! DTLSCertificate.generate(commonName: "client")
    static let serverCertificate = try! DTLSCertificate.generate(commonName: "server")
    static let clientContext = try! DTLSContext(certificate: clientCertificate)
    static let serverContext = try! DTLSContext(certificate: serverCertificate)
}

/// Deterministic random bytes for fuzz-style tests (SplitMix64).
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) }
    }
}

/// Two connections joined by an in-memory wire. `drop` decides, per datagram,
/// whether the wire loses it (to exercise retransmission).
struct DTLSWire {
    var client: DTLSConnection
    var server: DTLSConnection
    var clientEvents: [DTLSAction] = []
    var serverEvents: [DTLSAction] = []
    var clientDatagramSizes: [Int] = []
    var serverDatagramSizes: [Int] = []
    var now = ContinuousClock.now

    init(
        clientExpects: [DTLSFingerprint]? = nil,
        serverExpects: [DTLSFingerprint]? = nil,
        clientContext: DTLSContext = DTLSFixtures.clientContext,
        serverContext: DTLSContext = DTLSFixtures.serverContext,
        configuration: DTLSConfiguration = DTLSConfiguration()
    ) throws {
        client = try DTLSConnection(
            context: clientContext, role: .client,
            remoteFingerprints: clientExpects ?? [serverContext.certificate.fingerprint],
            configuration: configuration)
        server = try DTLSConnection(
            context: serverContext, role: .server,
            remoteFingerprints: serverExpects ?? [clientContext.certificate.fingerprint],
            configuration: configuration)
    }

    /// Splits actions into datagrams to carry and events to remember.
    static func split(_ actions: [DTLSAction], events: inout [DTLSAction]) -> [ByteBuffer] {
        var datagrams: [ByteBuffer] = []
        for action in actions {
            if case .sendDatagram(let datagram) = action {
                datagrams.append(datagram)
            } else {
                events.append(action)
            }
        }
        return datagrams
    }

    /// Carries datagrams back and forth until both sides are quiet.
    mutating func pump(
        fromClient initialClient: [DTLSAction] = [],
        fromServer initialServer: [DTLSAction] = [],
        drop: (_ fromClient: Bool, _ index: Int) -> Bool = { _, _ in false }
    ) throws {
        var toServer = Self.split(initialClient, events: &clientEvents)
        var toClient = Self.split(initialServer, events: &serverEvents)
        var sentByClient = 0
        var sentByServer = 0
        var rounds = 0
        while !(toServer.isEmpty && toClient.isEmpty), rounds < 50 {
            rounds += 1
            var nextToClient: [ByteBuffer] = []
            for datagram in toServer {
                clientDatagramSizes.append(datagram.readableBytes)
                defer { sentByClient += 1 }
                if drop(true, sentByClient) { continue }
                nextToClient += Self.split(try server.receive(datagram, now: now), events: &serverEvents)
            }
            var nextToServer: [ByteBuffer] = []
            for datagram in toClient {
                serverDatagramSizes.append(datagram.readableBytes)
                defer { sentByServer += 1 }
                if drop(false, sentByServer) { continue }
                nextToServer += Self.split(try client.receive(datagram, now: now), events: &clientEvents)
            }
            toServer = nextToServer
            toClient = nextToClient
        }
    }

    /// Runs the whole handshake from `start`.
    mutating func handshake() throws {
        let first = client.start(now: now)
        _ = server.start(now: now)
        try pump(fromClient: first)
    }
}

extension DTLSAction {
    var keys: DTLSSRTPKeyingMaterial? {
        if case .connected(let keys) = self { return keys }
        return nil
    }
    var failure: DTLSError? {
        if case .failed(let error) = self { return error }
        return nil
    }
    var data: ByteBuffer? {
        if case .applicationData(let data) = self { return data }
        return nil
    }
    var isClosed: Bool {
        if case .closed = self { return true }
        return false
    }
}
