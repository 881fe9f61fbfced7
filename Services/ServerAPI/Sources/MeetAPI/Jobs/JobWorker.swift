import Foundation
import Logging
import Metrics
import ServiceLifecycle

/// Claims due jobs from the ``JobQueue`` and runs them, one replica per job
/// (docs/operations.md, "Jobs and email"). Every meet-api replica runs one;
/// on shutdown it stops claiming, and a job it was running keeps its lease
/// until the lease ends, then runs elsewhere.
struct JobWorker: Service {
    struct Settings: Sendable {
        var workerId: String
        var pollInterval: Duration = .seconds(1)
        /// Jobs claimed per poll. One: every job runs within its own lease
        /// (a batch ran one job after another under one lease, so a slow SMTP
        /// send could let a later job's lease end and another replica send it
        /// too; review, session 9). A poll with work polls again at once.
        var batch = 1
        /// Longer than the slowest job (an SMTP send: a few timeouts).
        var lease: Duration = .seconds(300)
        var retry = RetryPolicy()
    }

    let queue: any JobQueue
    let handlers: [String: any JobHandler]
    let settings: Settings
    /// Runs before each poll (the reminder scan), errors logged.
    let beforePoll: (@Sendable () async throws -> Void)?
    let logger: Logger
    /// Nothing is polled before it opens (the schema is migrated).
    var startGate = StartGate(open: true)

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await self.startGate.wait()
            var lastScan: ContinuousClock.Instant?
            while !Task.isCancelled {
                // The hook (the reminder scan) at most once per poll interval, however fast jobs come.
                let scan = lastScan.map { $0.duration(to: .now) >= self.settings.pollInterval } ?? true
                if scan { lastScan = .now }
                let ran = await self.pollOnce(scan: scan)
                if ran == 0 { try await Task.sleep(for: self.settings.pollInterval) }
            }
        }
    }

    /// One poll: the hook (unless `scan` is false), a claim, and each claimed job run. Returns how many ran.
    @discardableResult
    func pollOnce(now: Date = Date(), scan: Bool = true) async -> Int {
        if scan, let beforePoll {
            do { try await beforePoll() } catch { self.logger.warning("job scan failed", metadata: ["error": "\(error)"]) }
        }
        let jobs: [ClaimedJob]
        do {
            jobs = try await self.queue.claim(
                worker: self.settings.workerId, kinds: self.handlers.keys.sorted(), limit: self.settings.batch,
                lease: self.settings.lease, now: now)
        } catch {
            // The table may not exist yet (migrations run beside the first polls) or the database is down: try later.
            self.logger.debug("job claim failed", metadata: ["error": "\(error)"])
            return 0
        }
        for job in jobs { await self.execute(job) }
        return jobs.count
    }

    private func execute(_ job: ClaimedJob) async {
        let metadata: Logger.Metadata = ["job.id": "\(job.id)", "job.kind": "\(job.kind)", "job.attempt": "\(job.attempts)"]
        let failure: JobFailure
        do {
            guard let handler = self.handlers[job.kind] else { throw JobFailure.permanent("no handler for job kind '\(job.kind)'") }
            try await handler.run(job)
            _ = try? await self.queue.complete(id: job.id, worker: self.settings.workerId)
            Counter(label: "meet_api_jobs_total", dimensions: [("kind", job.kind), ("result", "done")]).increment()
            self.logger.debug("job done", metadata: metadata)
            return
        } catch let error as JobFailure {
            failure = error
        } catch {
            failure = .transient("\(error)")
        }
        switch self.settings.retry.decide(attempts: job.attempts, failure: failure, jitter: Double.random(in: 0..<1)) {
        case .retry(let delay):
            _ = try? await self.queue.retry(
                id: job.id, worker: self.settings.workerId, at: Date().addingTimeInterval(delay), error: failure.message)
            Counter(label: "meet_api_jobs_total", dimensions: [("kind", job.kind), ("result", "retry")]).increment()
            self.logger.notice(
                "job failed, will retry", metadata: metadata.merging(["error": "\(failure.message)", "retry.in_s": "\(Int(delay))"]) { $1 })
        case .giveUp:
            _ = try? await self.queue.fail(id: job.id, worker: self.settings.workerId, error: failure.message)
            Counter(label: "meet_api_jobs_total", dimensions: [("kind", job.kind), ("result", "failed")]).increment()
            self.logger.error("job failed for good", metadata: metadata.merging(["error": "\(failure.message)"]) { $1 })
        }
    }
}
