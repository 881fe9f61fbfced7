import Logging
import Metrics
import NIOConcurrencyHelpers

/// Runs one ``DatabaseBreaker`` for ``Database``: the lock, the clock, the
/// probe loop, the metrics and the log lines.
///
/// Metrics: `meet_database_breaker_open` (1 while open),
/// `meet_database_breaker_opened_total`, and
/// `meet_database_breaker_rejected_total` (operations refused while open).
final class DatabaseBreakerDriver: Sendable {
    private let machine: NIOLockedValueBox<DatabaseBreaker<ContinuousClock.Instant>>
    private let probe: @Sendable () async -> Bool
    private let probeInterval: Duration
    private let logger: Logger
    private let openGauge = Gauge(label: "meet_database_breaker_open")
    private let opened = Counter(label: "meet_database_breaker_opened_total")
    private let rejected = Counter(label: "meet_database_breaker_rejected_total")

    /// - Parameter probe: one `SELECT 1` with its own short deadline; true when answered.
    init(deadline: Duration, probeInterval: Duration = .milliseconds(200), logger: Logger, probe: @escaping @Sendable () async -> Bool) {
        self.machine = NIOLockedValueBox(DatabaseBreaker(deadline: deadline))
        self.probe = probe
        self.probeInterval = probeInterval
        self.logger = logger
        self.openGauge.record(0)
    }

    var isOpen: Bool { self.machine.withLockedValue { $0.isOpen } }

    /// Runs `operation` unless the breaker is open (then throws
    /// ``DatabaseError/unavailable(_:)`` at once). `operation` throws
    /// ``DatabaseError``s or errors of the caller's own (which mean PostgreSQL answered).
    func run<Value: Sendable>(_ operation: () async throws -> Value) async throws -> Value {
        let ticket: UInt64
        switch self.machine.withLockedValue({ $0.admit(now: .now) }) {
        case .run(let granted):
            ticket = granted
        case .reject(let probe):
            if probe { self.openedNowProbe() }
            self.rejected.increment()
            throw DatabaseError.unavailable("PostgreSQL does not answer (circuit breaker open); retry")
        }
        do {
            let value = try await operation()
            self.finished(ticket, answered: true)
            return value
        } catch {
            let unanswered = if case DatabaseError.unavailable = error { true } else { false }
            self.finished(ticket, answered: !unanswered)
            throw error
        }
    }

    private func finished(_ ticket: UInt64, answered: Bool) {
        let (closedAfter, opened) = self.machine.withLockedValue { $0.finished(ticket, answered: answered, now: .now) }
        if let closedAfter { self.noteClosed(after: closedAfter) }
        if opened, self.machine.withLockedValue({ $0.startProbe() }) { self.openedNowProbe() }
    }

    /// Counts and logs an opening and starts its probe loop (called once
    /// per opening: by whoever claimed its first probe; the loop keeps the
    /// claim until the breaker closes).
    private func openedNowProbe() {
        self.openGauge.record(1)
        self.opened.increment()
        self.logger.warning("PostgreSQL does not answer; circuit breaker open, database requests fail at once until a probe is answered")
        Task { await self.probeUntilAnswered() }
    }

    private func probeUntilAnswered() async {
        while true {
            let answered = await self.probe()
            let (closedAfter, again) = self.machine.withLockedValue { $0.probeFinished(answered: answered, now: .now) }
            if let closedAfter { self.noteClosed(after: closedAfter) }
            guard again else { return }
            try? await Task.sleep(for: self.probeInterval)
        }
    }

    private func noteClosed(after duration: Duration) {
        self.openGauge.record(0)
        self.logger.notice("PostgreSQL answers again; circuit breaker closed", metadata: ["open.for": "\(duration)"])
    }
}
