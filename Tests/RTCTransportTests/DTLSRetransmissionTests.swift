import MeetDTLS
import NIOCore
import Testing

/// Retransmission runs on OpenSSL's own timer, which reads the wall clock and
/// is never shorter than ~16 ms in OpenSSL 3.0. These tests drive the
/// connection with the test clock and, where OpenSSL must agree that its
/// timer expired, first let 20 ms of real time pass with a 16 ms timer: the
/// wait only guarantees expiry; no test asserts on elapsed time.
@Suite("DTLS retransmission timer (RFC 6347 §4.2.4)")
struct DTLSRetransmissionTests {
    static let fastTimer = DTLSConfiguration(
        initialRetransmitTimeout: .milliseconds(16), maximumRetransmitTimeout: .milliseconds(16),
        maximumRetransmissions: 3)

    /// For the recovery tests: the same fast timer with room for more
    /// retransmissions, since on a loaded machine OpenSSL's wall-clock timer can
    /// also fire (and retransmit by itself) while the test pumps a flight.
    static let fastTimerPatient = DTLSConfiguration(
        initialRetransmitTimeout: .milliseconds(16), maximumRetransmitTimeout: .milliseconds(16),
        maximumRetransmissions: 20)

    /// A first timeout long enough that OpenSSL's timer cannot run out while
    /// a test pumps a handshake, then the fast timer. A 16 ms timer can:
    /// OpenSSL counts a timer with under 15 ms left as expired (so 16 ms
    /// expires after 1 ms of wall clock), and checks it before it reads each
    /// record, so on a loaded machine a server retransmitted its flight 2 in
    /// place of taking the client's flight 3, the client dropped the
    /// duplicate, and a test that pumps without timers stalled there.
    static let slowFirstTimer = DTLSConfiguration(
        initialRetransmitTimeout: .seconds(1), maximumRetransmitTimeout: .milliseconds(16),
        maximumRetransmissions: 20)

    static func letOpenSSLTimerExpire() async throws {
        try await Task.sleep(for: .milliseconds(20))
    }

    /// Waits until OpenSSL's own timer has run out too: `deadline` is on the
    /// test clock, which stands at `now`; 20 ms more cover the gap between
    /// reading the timer and this call.
    static func letOpenSSLTimerExpire(deadline: ContinuousClock.Instant, now: ContinuousClock.Instant) async throws {
        try await Task.sleep(for: max(.zero, now.duration(to: deadline)) + .milliseconds(20))
    }

    @Test("a lost ClientHello is sent again when the timer fires")
    func lostClientHelloRecovered() async throws {
        var wire = try DTLSWire(configuration: Self.fastTimerPatient)
        let lost = wire.client.start(now: wire.now)
        #expect(!DTLSWire.split(lost, events: &wire.clientEvents).isEmpty)
        let deadline = try #require(wire.client.nextTimeout)
        try await Self.letOpenSSLTimerExpire()
        wire.now = max(wire.now, deadline)
        let again = wire.client.handleTimeout(now: wire.now)
        #expect(!DTLSWire.split(again, events: &wire.clientEvents).isEmpty)
        try wire.pump(fromClient: again)
        // Normally connected now; on a loaded machine a flight of the exchange may
        // have been superseded by OpenSSL's own timer: further timer rounds finish it.
        var rounds = 0
        while wire.client.state != .connected || wire.server.state != .connected, rounds < 10 {
            rounds += 1
            try await Self.letOpenSSLTimerExpire()
            let next = [wire.client.nextTimeout, wire.server.nextTimeout].compactMap { $0 }.max() ?? wire.now
            wire.now = max(wire.now, next)
            try wire.pump(
                fromClient: wire.client.handleTimeout(now: wire.now), fromServer: wire.server.handleTimeout(now: wire.now))
        }
        #expect(wire.client.state == .connected)
        #expect(wire.server.state == .connected)
    }

    @Test("a lost server flight is recovered by the client's timer")
    func lostServerFlightRecovered() async throws {
        var wire = try DTLSWire(configuration: Self.fastTimerPatient)
        let hello = wire.client.start(now: wire.now)
        // Lose everything the server sends in its first flight.
        try wire.pump(fromClient: hello, drop: { fromClient, _ in !fromClient })
        #expect(wire.client.state == .connecting)
        #expect(wire.server.state == .connecting)
        var rounds = 0
        while wire.client.state != .connected, rounds < 10 {
            rounds += 1
            let deadline = try #require(wire.client.nextTimeout)
            try await Self.letOpenSSLTimerExpire()
            wire.now = max(wire.now, deadline)
            try wire.pump(fromClient: wire.client.handleTimeout(now: wire.now))
        }
        #expect(wire.client.state == .connected)
        #expect(wire.server.state == .connected)
    }

    @Test("a lost final server flight is recovered: the connected server answers the retransmitted Finished")
    func lostFinalServerFlightRecovered() async throws {
        // The server is connected (and filters records, DTLSRecordFilter) once the
        // client's Finished arrived; if its CCS + Finished is lost, the client
        // retransmits its whole flight (epoch-0 records and an epoch-1 Finished)
        // and the server must send its last flight again (RFC 6347 §4.2.4).
        // The flights up to the loss are pumped by hand, without timers: no
        // timer may fire meanwhile (`slowFirstTimer`).
        var wire = try DTLSWire(configuration: Self.slowFirstTimer)
        var toServer = DTLSWire.split(wire.client.start(now: wire.now), events: &wire.clientEvents)
        var rounds = 0
        while wire.server.state != .connected, rounds < 10 {
            rounds += 1
            var toClient: [ByteBuffer] = []
            for datagram in toServer {
                toClient += DTLSWire.split(try wire.server.receive(datagram, now: wire.now), events: &wire.serverEvents)
            }
            toServer = []
            // The server's last flight (sent as it connects) is lost.
            if wire.server.state == .connected { break }
            for datagram in toClient {
                toServer += DTLSWire.split(try wire.client.receive(datagram, now: wire.now), events: &wire.clientEvents)
            }
        }
        #expect(wire.server.state == .connected)
        #expect(wire.client.state == .connecting)
        rounds = 0
        while wire.client.state != .connected, rounds < 10 {
            rounds += 1
            let deadline = try #require(wire.client.nextTimeout)
            try await Self.letOpenSSLTimerExpire(deadline: deadline, now: wire.now)
            wire.now = max(wire.now, deadline)
            try wire.pump(fromClient: wire.client.handleTimeout(now: wire.now))
        }
        #expect(wire.client.state == .connected)
        #expect(wire.server.state == .connected)
        #expect(wire.serverEvents.compactMap(\.failure).isEmpty)
    }

    @Test("before the deadline handleTimeout does nothing")
    func noRetransmitBeforeDeadline() throws {
        let wire = try DTLSWire()
        let start = wire.now
        _ = wire.client.start(now: start)
        let deadline = try #require(wire.client.nextTimeout)
        #expect(deadline > start)
        #expect(deadline <= start.advanced(by: .seconds(1)))
        #expect(wire.client.handleTimeout(now: start.advanced(by: .milliseconds(10))).isEmpty)
        // At the test clock's deadline OpenSSL's real 1 s timer has not run
        // out: nothing is sent and the deadline is pushed on.
        #expect(wire.client.handleTimeout(now: deadline).isEmpty)
        #expect(try #require(wire.client.nextTimeout) > deadline)
        #expect(wire.client.state == .connecting)
    }

    @Test("a server that was never contacted runs no timer")
    func idleServerHasNoTimer() throws {
        let wire = try DTLSWire()
        _ = wire.server.start(now: wire.now)
        #expect(wire.server.nextTimeout == nil)
        #expect(wire.server.handleTimeout(now: wire.now.advanced(by: .seconds(60))).isEmpty)
    }

    @Test("a peer that never answers makes the handshake time out")
    func handshakeTimesOut() async throws {
        let wire = try DTLSWire(configuration: Self.fastTimer)
        var now = wire.now
        _ = wire.client.start(now: now)
        var sent = 0
        var failure: DTLSError?
        for _ in 0..<10 where failure == nil {
            guard let deadline = wire.client.nextTimeout else { break }
            try await Self.letOpenSSLTimerExpire()
            now = max(now, deadline)
            let actions = wire.client.handleTimeout(now: now)
            sent += actions.filter { if case .sendDatagram = $0 { true } else { false } }.count
            failure = actions.compactMap(\.failure).first
        }
        #expect(failure == .handshakeTimedOut)
        #expect(sent == 3)
        #expect(wire.client.state == .failed)
        #expect(wire.client.nextTimeout == nil)
    }
}
