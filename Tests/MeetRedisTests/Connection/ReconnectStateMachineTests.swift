import Testing

@testable import MeetRedis

/// A random source that always answers the same value, to pin jitter.
struct FixedRandom: RandomNumberGenerator {
    var value: UInt64
    mutating func next() -> UInt64 { value }
}

/// Backoff and the reconnect decisions, driven with made-up instants: no
/// sockets, no sleeping.
@Suite struct ReconnectStateMachineTests {
    let backoff = ExponentialBackoff(initial: .milliseconds(100), maximum: .seconds(2), multiplier: 2, jitter: 0.5)

    @Test func backoffGrowsAndIsCapped() {
        var noJitter = FixedRandom(value: 0)  // Double.random(in: 0...1) → 0: full delay
        let delays = (0..<8).map { backoff.delay(attempt: $0, using: &noJitter) }
        #expect(delays == [
            .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800),
            .milliseconds(1600), .seconds(2), .seconds(2), .seconds(2),
        ])
        #expect(backoff.delay(attempt: 10_000, using: &noJitter) == .seconds(2))
    }

    @Test func jitterStaysWithinItsFraction() {
        var random = SystemRandomNumberGenerator()
        for attempt in 0..<6 {
            let full = min(Double(100 << attempt), 2000)
            for _ in 0..<50 {
                let delay = backoff.delay(attempt: attempt, using: &random)
                #expect(delay >= .milliseconds(Int64(full * 0.5)) && delay <= .milliseconds(Int64(full)))
            }
        }
    }

    @Test func failedConnectsBackOffThenSucceed() {
        var random = FixedRandom(value: 0)
        let t0 = ContinuousClock.now
        var machine = ReconnectStateMachine<ContinuousClock.Instant>(backoff: backoff, stableAfter: .seconds(5))
        #expect(machine.start() == .connect)
        #expect(machine.connectFailed(using: &random) == .wait(.milliseconds(100)))
        #expect(machine.waitElapsed() == .connect)
        #expect(machine.connectFailed(using: &random) == .wait(.milliseconds(200)))
        #expect(machine.waitElapsed() == .connect)
        #expect(machine.connected(at: t0) == .none)
        #expect(machine.state == .connected(since: t0))
    }

    @Test func aShortLivedConnectionKeepsTheBackoffGrowing() {
        var random = FixedRandom(value: 0)
        let t0 = ContinuousClock.now
        var machine = ReconnectStateMachine<ContinuousClock.Instant>(backoff: backoff, stableAfter: .seconds(5))
        _ = machine.start()
        _ = machine.connectFailed(using: &random)  // 100 ms
        _ = machine.waitElapsed()
        _ = machine.connected(at: t0)
        // Dropped after one second: not stable, so the next delay is the third step.
        #expect(machine.connectionClosed(at: t0 + .seconds(1), using: &random) == .wait(.milliseconds(200)))
        _ = machine.waitElapsed()
        _ = machine.connected(at: t0 + .seconds(2))
        // Up for a minute: stable, so backoff starts over.
        #expect(machine.connectionClosed(at: t0 + .seconds(62), using: &random) == .wait(.milliseconds(100)))
        #expect(machine.attempt == 1)
    }

    @Test func shutdownStopsWhateverIsInProgress() {
        var random = FixedRandom(value: 0)
        let t0 = ContinuousClock.now
        var connecting = ReconnectStateMachine<ContinuousClock.Instant>(backoff: backoff)
        _ = connecting.start()
        connecting.shutdown()
        #expect(connecting.connected(at: t0) == .closeAndStop)

        var failing = ReconnectStateMachine<ContinuousClock.Instant>(backoff: backoff)
        _ = failing.start()
        failing.shutdown()
        #expect(failing.connectFailed(using: &random) == .stop)

        var waiting = ReconnectStateMachine<ContinuousClock.Instant>(backoff: backoff)
        _ = waiting.start()
        _ = waiting.connectFailed(using: &random)
        waiting.shutdown()
        #expect(waiting.waitElapsed() == .stop)

        var connected = ReconnectStateMachine<ContinuousClock.Instant>(backoff: backoff)
        _ = connected.start()
        _ = connected.connected(at: t0)
        connected.shutdown()
        #expect(connected.connectionClosed(at: t0 + .seconds(1), using: &random) == .stop)
    }

    @Test func startIsIdempotent() {
        var machine = ReconnectStateMachine<ContinuousClock.Instant>(backoff: backoff)
        #expect(machine.start() == .connect)
        #expect(machine.start() == .none)
    }
}
