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
    /// Operations running when the breaker opens wait here to fail at once.
    private let opening = Opening()
    /// Whether the stall check's timer is set.
    private let timer = NIOLockedValueBox(false)

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
    /// ``DatabaseError``s or errors of the caller's own (which mean
    /// PostgreSQL answered). An operation still running when the breaker
    /// opens fails then too, instead of at its own deadline.
    func run<Value: Sendable>(_ operation: @escaping @Sendable () async throws -> Value) async throws -> Value {
        let ticket: UInt64
        switch self.machine.withLockedValue({ $0.admit(now: .now) }) {
        case .run(let granted):
            ticket = granted
        case .reject(let probe):
            if probe { Task { await self.probeWhileNeeded() } }
            self.rejected.increment()
            throw DatabaseError.unavailable("PostgreSQL does not answer (circuit breaker open); retry")
        }
        self.scheduleCheck()
        do {
            let value = try await withThrowingTaskGroup(of: Value?.self) { group in
                group.addTask { try await operation() }
                group.addTask {
                    await self.opening.wait()
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let value = first else {
                    throw DatabaseError.unavailable("PostgreSQL stopped answering while this waited (circuit breaker open)")
                }
                return value
            }
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
        if opened {
            self.noteOpened()
            if self.machine.withLockedValue({ $0.startProbe() }) { Task { await self.probeWhileNeeded() } }
        }
    }

    /// One timer at a time: wakes at the oldest running operation's deadline
    /// and probes if nothing was answered meanwhile, so a stall is noticed
    /// even when no new operation comes.
    private func scheduleCheck() {
        guard let next = self.machine.withLockedValue({ $0.nextCheck }),
            self.timer.withLockedValue({ scheduled in
                defer { scheduled = true }
                return !scheduled
            })
        else { return }
        Task {
            try? await Task.sleep(until: next, clock: .continuous)
            self.timer.withLockedValue { $0 = false }
            if self.machine.withLockedValue({ $0.suspect(now: .now) }) {
                await self.probeWhileNeeded()
            }
            self.scheduleCheck()
        }
    }

    /// Counts and logs an opening, and fails the operations still waiting.
    private func noteOpened() {
        self.opening.release()
        self.openGauge.record(1)
        self.opened.increment()
        self.logger.warning("PostgreSQL does not answer; circuit breaker open, database requests fail at once until a probe is answered")
    }

    /// Probes until an answer (a suspect cleared, or the breaker closed).
    private func probeWhileNeeded() async {
        while true {
            let answered = await self.probe()
            let outcome = self.machine.withLockedValue { $0.probeFinished(answered: answered, now: .now) }
            if outcome.opened { self.noteOpened() }
            if let closedAfter = outcome.closedAfter { self.noteClosed(after: closedAfter) }
            guard outcome.again else { return }
            try? await Task.sleep(for: self.probeInterval)
        }
    }

    private func noteClosed(after duration: Duration) {
        self.openGauge.record(0)
        self.logger.notice("PostgreSQL answers again; circuit breaker closed", metadata: ["open.for": "\(duration)"])
    }
}

/// Waiters released together, each time the breaker opens.
private final class Opening: Sendable {
    private let waiters = NIOLockedValueBox<[UInt64: CheckedContinuation<Void, Never>]>([:])
    private let ids = NIOLockedValueBox<UInt64>(0)

    /// Returns at the next ``release()``, or when the task is cancelled.
    func wait() async {
        let id = self.ids.withLockedValue { $0 += 1; return $0 }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                // Checked under the lock `onCancel` takes too, so a cancellation
                // either finds the waiter or is seen here.
                let cancelled = self.waiters.withLockedValue { waiters in
                    if Task.isCancelled { return true }
                    waiters[id] = continuation
                    return false
                }
                if cancelled { continuation.resume() }
            }
        } onCancel: {
            self.waiters.withLockedValue { $0.removeValue(forKey: id) }?.resume()
        }
    }

    func release() {
        for waiter in self.waiters.withLockedValue({ waiters in
            defer { waiters = [:] }
            return Array(waiters.values)
        }) { waiter.resume() }
    }
}
