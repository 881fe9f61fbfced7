/// When to (re)connect, as a sans-I/O state machine: the supervisor feeds it
/// what happened (connected, connect failed, connection lost, shutdown) with
/// the current time, and does what it answers. Time is an input, so tests
/// drive it with made-up instants and no sleeping.
///
/// Backoff grows with each failed attempt and resets only once a connection
/// has stayed up for `stableAfter`: a server that accepts and then drops us
/// at once (restarting, out of clients) is retried with growing delays, not
/// hammered.
struct ReconnectStateMachine<Instant: InstantProtocol> where Instant.Duration == Duration {
    enum State: Equatable {
        case idle
        case connecting
        case connected(since: Instant)
        case waiting
        case stopped
    }

    enum Action: Equatable {
        /// Open a connection now.
        case connect
        /// Sleep this long, then report ``waitElapsed()``.
        case wait(Duration)
        /// Close the connection just established (shutdown came while connecting).
        case closeAndStop
        /// Nothing more to do: the supervisor returns.
        case stop
        /// Keep using the connection until it closes.
        case none
    }

    private(set) var state: State = .idle
    /// Failed attempts since the last stable connection: the backoff exponent.
    private(set) var attempt = 0
    let backoff: ExponentialBackoff
    let stableAfter: Duration

    init(backoff: ExponentialBackoff, stableAfter: Duration = .seconds(5)) {
        self.backoff = backoff
        self.stableAfter = stableAfter
    }

    mutating func start() -> Action {
        guard state == .idle else { return .none }
        state = .connecting
        return .connect
    }

    mutating func connected(at now: Instant) -> Action {
        guard state == .connecting else { return state == .stopped ? .closeAndStop : .none }
        state = .connected(since: now)
        return .none
    }

    mutating func connectFailed(using random: inout some RandomNumberGenerator) -> Action {
        guard state == .connecting else { return state == .stopped ? .stop : .none }
        return scheduleRetry(using: &random)
    }

    mutating func connectionClosed(at now: Instant, using random: inout some RandomNumberGenerator) -> Action {
        guard case .connected(let since) = state else { return state == .stopped ? .stop : .none }
        if since.duration(to: now) >= stableAfter { attempt = 0 }
        return scheduleRetry(using: &random)
    }

    mutating func waitElapsed() -> Action {
        guard state == .waiting else { return state == .stopped ? .stop : .none }
        state = .connecting
        return .connect
    }

    /// Shutdown was requested; whatever is in progress reports back and gets `.stop`.
    mutating func shutdown() {
        state = .stopped
    }

    private mutating func scheduleRetry(using random: inout some RandomNumberGenerator) -> Action {
        let delay = backoff.delay(attempt: attempt, using: &random)
        attempt += 1
        state = .waiting
        return .wait(delay)
    }
}
