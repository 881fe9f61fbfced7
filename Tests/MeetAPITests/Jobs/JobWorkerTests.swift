import Foundation
import Logging
import MeetMail
import NIOConcurrencyHelpers
import Testing
@testable import MeetAPI

/// The job worker and its retry policy, on the in-memory queue with a fake
/// mail server; the claim across replicas on PostgreSQL:
/// Tests/MeetAPIIntegrationTests/JobQueueContractTests.swift.
@Suite("Job worker")
struct JobWorkerTests {
    /// Fails while `down`, then records what it was given.
    final class FakeMailServer: MailSender, Sendable {
        let down = NIOLockedValueBox(true)
        let received = NIOLockedValueBox<[String]>([])
        let permanent = NIOLockedValueBox(false)

        func send(message: String, from: String, to: [String]) async throws(SMTPError) {
            if self.permanent.withLockedValue({ $0 }) {
                throw .rejected(step: "RCPT TO", reply: SMTPReply(code: 550, lines: ["no such user"]))
            }
            if self.down.withLockedValue({ $0 }) { throw .connectFailed("refused") }
            self.received.withLockedValue { $0.append(message) }
        }
    }

    static func worker(_ queue: MemoryJobQueue, _ server: FakeMailServer, maxAttempts: Int = 5) -> JobWorker {
        JobWorker(
            queue: queue, handlers: [EmailJob.kind: EmailJobHandler(sender: server)],
            settings: .init(workerId: "w1", batch: 10, retry: RetryPolicy(base: .seconds(1), cap: .seconds(8), maxAttempts: maxAttempts)),
            beforePoll: nil, logger: Logger(label: "test"))
    }

    static func job(_ n: Int) throws -> NewJob {
        try NewJob(kind: EmailJob.kind, encoding: EmailJob(from: "m@x.org", to: ["t\(n)@x.org"], message: "message \(n)"))
    }

    @Test("backoff doubles from the base up to the cap, with at most a fifth of jitter; permanent failures and the last attempt give up")
    func retryPolicy() {
        let policy = RetryPolicy(base: .seconds(2), cap: .seconds(60), maxAttempts: 8)
        #expect(policy.decide(attempts: 1, failure: .transient("x"), jitter: 0) == .retry(after: 2))
        #expect(policy.decide(attempts: 3, failure: .transient("x"), jitter: 0) == .retry(after: 8))
        #expect(policy.decide(attempts: 7, failure: .transient("x"), jitter: 0) == .retry(after: 60))
        #expect(policy.decide(attempts: 3, failure: .transient("x"), jitter: 1) == .retry(after: 9.6))
        #expect(policy.decide(attempts: 8, failure: .transient("x"), jitter: 0) == .giveUp)
        #expect(policy.decide(attempts: 1, failure: .permanent("x"), jitter: 0) == .giveUp)
    }

    @Test("nothing is scanned or claimed before the start gate opens (the schema is migrated), then polling starts")
    func startGate() async throws {
        let scans = NIOLockedValueBox(0)
        var worker = JobWorker(
            queue: MemoryJobQueue(), handlers: [:], settings: .init(workerId: "w1", pollInterval: .milliseconds(20)),
            beforePoll: { scans.withLockedValue { $0 += 1 } }, logger: Logger(label: "test"))
        let gate = StartGate()
        worker.startGate = gate
        let running = Task { [worker] in try await worker.run() }
        defer { running.cancel() }
        // Several of the gate's checks and of the worker's poll intervals pass: no scan.
        try await Task.sleep(for: .milliseconds(300))
        #expect(scans.withLockedValue { $0 } == 0)
        gate.open()
        let deadline = ContinuousClock.now + .seconds(10)
        while scans.withLockedValue({ $0 }) == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(scans.withLockedValue { $0 } > 0)
    }

    @Test("an outage of the mail server loses nothing: jobs wait out the backoff and are sent once it is back")
    func outage() async throws {
        let queue = MemoryJobQueue()
        let server = FakeMailServer()
        let worker = Self.worker(queue, server)
        try await queue.enqueue([try Self.job(1), try Self.job(2)])
        let start = Date()
        #expect(await worker.pollOnce(now: start) == 2)
        #expect(server.received.withLockedValue { $0 }.isEmpty)
        // Not due again before the backoff.
        #expect(await worker.pollOnce(now: start) == 0)
        server.down.withLockedValue { $0 = false }
        #expect(await worker.pollOnce(now: start.addingTimeInterval(5)) == 2)
        #expect(server.received.withLockedValue { $0 }.sorted() == ["message 1", "message 2"])
        #expect(try await queue.counts() == JobCounts(pending: 0, done: 2, failed: 0))
        #expect(await worker.pollOnce(now: start.addingTimeInterval(600)) == 0)
    }

    @Test("a 5xx refusal fails the job at once; transient failures give up after the attempts")
    func giveUp() async throws {
        let queue = MemoryJobQueue()
        let server = FakeMailServer()
        server.permanent.withLockedValue { $0 = true }
        try await queue.enqueue([try Self.job(1)])
        #expect(await Self.worker(queue, server).pollOnce(now: Date()) == 1)
        #expect(try await queue.counts() == JobCounts(pending: 0, done: 0, failed: 1))

        let other = MemoryJobQueue()
        let down = FakeMailServer()
        try await other.enqueue([try Self.job(2)])
        let worker = Self.worker(other, down, maxAttempts: 3)
        var now = Date()
        for _ in 0..<3 {
            #expect(await worker.pollOnce(now: now) == 1)
            now = now.addingTimeInterval(3600)
        }
        #expect(try await other.counts() == JobCounts(pending: 0, done: 0, failed: 1))
    }

    @Test("a lease keeps a job from a second worker until it expires; a dedupe key admits one job")
    func leaseAndDedupe() async throws {
        let queue = MemoryJobQueue()
        try await queue.enqueue([try Self.job(1)])
        let now = Date().addingTimeInterval(1)
        #expect(try await queue.claim(worker: "a", kinds: [EmailJob.kind], limit: 10, lease: .seconds(60), now: now).count == 1)
        #expect(try await queue.claim(worker: "b", kinds: [EmailJob.kind], limit: 10, lease: .seconds(60), now: now).isEmpty)
        // Worker a died: after the lease, b takes it over, and a's late completion is refused.
        let taken = try await queue.claim(worker: "b", kinds: [EmailJob.kind], limit: 10, lease: .seconds(60), now: now.addingTimeInterval(61))
        #expect(taken.map(\.attempts) == [2])
        #expect(try await queue.complete(id: taken[0].id, worker: "a") == false)
        #expect(try await queue.complete(id: taken[0].id, worker: "b"))

        var keyed = try Self.job(3)
        keyed.dedupeKey = "reminder:x"
        #expect(try await queue.enqueue([keyed, keyed]) == 1)
        #expect(try await queue.enqueue([keyed]) == 0)
    }
}
