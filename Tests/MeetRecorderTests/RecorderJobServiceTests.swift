import Foundation
import Logging
import MeetProtocol
import MeetRedis
import MeetRedisTestSupport
import Synchronization
import Testing

@testable import MeetRecorder

/// Two recorders on the real Redis (MEET_TEST_REDIS_URL) and one job on
/// `recorder:jobs`, as meet-api publishes it: one claims and begins, the
/// stop ends it and frees the claim; shutdown hands a held job back.
@Suite struct RecorderJobServiceTests {
    final class Handler: RecorderJobHandler, Sendable {
        let events = Mutex<[String]>([])
        let segments = Mutex<[Int]>([])
        func begin(_ job: RecordingJob) async -> Bool {
            self.events.withLock { $0.append("begin") }
            self.segments.withLock { $0.append(job.segment) }
            return true
        }
        func end(_ recordingId: UUID, reason: RecorderJobs.EndReason) async {
            self.events.withLock { $0.append("end \(reason.rawValue)") }
        }
        var all: [String] { self.events.withLock { $0 } }
    }

    static func publish(_ redis: RedisClient, _ channels: RecorderChannels, _ job: RecordingJob) async throws {
        let payload = Array(try JSONEncoder().encode(RecorderChannels.envelope(job, from: "test")))
        _ = try await redis.publish(payload, to: channels.jobs)
    }

    /// Polls `condition` until it holds (bounded by `withTimeout`).
    static func waitUntil(_ what: String, _ condition: @escaping @Sendable () async throws -> Bool) async throws {
        try await withTimeout(.seconds(10), what) {
            while try await !condition() { try await Task.sleep(for: .milliseconds(20)) }
        }
    }

    @Test func oneOfTwoRecordersClaimsAStartAndTheStopReleasesIt() async throws {
        try await TestRedis.withClientAndSubscriber { redis, subscriber in
            let prefix = TestRedis.unique("recjobs")
            let channels = RecorderChannels(prefix: prefix)
            let handlers = [Handler(), Handler()]
            let services = ["rec-a", "rec-b"].enumerated().map { index, id in
                RecorderJobService(
                    lease: RecordingJobLease(recorderId: id, lease: .seconds(3), redis: redis, keyPrefix: channels.prefix),
                    subscriber: subscriber, channels: channels, capacity: 4, handler: handlers[index], logger: TestRedis.logger)
            }
            let runs = services.map { service in Task { try await service.run() } }
            defer { runs.forEach { $0.cancel() } }
            try await Self.waitUntil("both recorders subscribed") {
                let listening = [await services[0].isListening, await services[1].isListening]
                return listening == [true, true]
            }

            let id = UUID()
            let start = RecordingJob(action: .start, recordingId: id, meetingId: UUID(), meetingCode: "abc-defg-hij", requestedBy: nil, sentAtMs: 0)
            try await Self.publish(redis, channels, start)
            try await Self.waitUntil("one recorder begins") { handlers.map(\.all).flatMap { $0 }.contains("begin") }
            let lease = RecordingJobLease(recorderId: "observer", lease: .seconds(3), redis: redis, keyPrefix: channels.prefix)
            let holder = try #require(try await lease.holder(RecorderJobService.key(id)))
            let winner = holder == "rec-a" ? 0 : 1
            #expect(await services[winner].holding == [id])
            #expect(await services[1 - winner].holding.isEmpty)

            // Held past its lease: the renewals keep it.
            try await Task.sleep(for: .seconds(4))
            #expect(try await lease.holder(RecorderJobService.key(id)) == holder)

            var stop = start
            stop.action = .stop
            try await Self.publish(redis, channels, stop)
            try await Self.waitUntil("the holder ends it") { handlers[winner].all == ["begin", "end stopped"] }
            try await Self.waitUntil("the claim is released") { try await lease.holder(RecorderJobService.key(id)) == nil }
            #expect(handlers[1 - winner].all.isEmpty)
        }
    }

    @Test func shutdownEndsAndReleasesAHeldJob() async throws {
        try await TestRedis.withClientAndSubscriber { redis, subscriber in
            let channels = RecorderChannels(prefix: TestRedis.unique("recjobs"))
            let handler = Handler()
            let lease = RecordingJobLease(recorderId: "rec-a", lease: .seconds(30), redis: redis, keyPrefix: channels.prefix)
            let service = RecorderJobService(
                lease: lease, subscriber: subscriber, channels: channels, capacity: 4, handler: handler, logger: TestRedis.logger)
            let run = Task { try await service.run() }
            try await Self.waitUntil("subscribed") { await service.isListening }
            let id = UUID()
            try await Self.publish(
                redis, channels,
                RecordingJob(action: .start, recordingId: id, meetingId: UUID(), meetingCode: "abc-defg-hij", requestedBy: nil, sentAtMs: 0))
            try await Self.waitUntil("claimed") { handler.all == ["begin"] }
            run.cancel()
            _ = try? await run.value
            #expect(handler.all == ["begin", "end shutdown"])
            #expect(try await lease.holder(RecorderJobService.key(id)) == nil)
        }
    }

    /// Failover: a recorder that died (its claim left to expire, its job
    /// advertised) is replaced by another, which claims the job for the next
    /// segment; once stopped, the job is withdrawn and nobody takes it again.
    @Test func aJobWhoseRecorderDiedIsTakenOverForTheNextSegment() async throws {
        try await TestRedis.withClientAndSubscriber { redis, subscriber in
            let channels = RecorderChannels(prefix: TestRedis.unique("recjobs"))
            let id = UUID()
            let job = RecordingJob(action: .start, recordingId: id, meetingId: UUID(), meetingCode: "abc-defg-hij", requestedBy: nil, sentAtMs: 0)
            let dead = RecordingJobLease(recorderId: "rec-dead", lease: .seconds(1), redis: redis, keyPrefix: channels.prefix)
            #expect(try await dead.claim(RecorderJobService.key(id)))
            try await dead.advertise(job)

            let handler = Handler()
            let lease = RecordingJobLease(recorderId: "rec-b", lease: .seconds(3), redis: redis, keyPrefix: channels.prefix)
            let service = RecorderJobService(
                lease: lease, subscriber: subscriber, channels: channels, capacity: 4, handler: handler, logger: TestRedis.logger)
            let run = Task { try await service.run() }
            defer { run.cancel() }
            try await Self.waitUntil("subscribed") { await service.isListening }
            try await Self.waitUntil("the job taken over") { handler.all == ["begin"] }
            #expect(handler.segments.withLock { $0 } == [1])
            #expect(try await lease.holder(RecorderJobService.key(id)) == "rec-b")
            #expect(await service.holding == [id])

            var stop = job
            stop.action = .stop
            try await Self.publish(redis, channels, stop)
            try await Self.waitUntil("the holder ends it") { handler.all == ["begin", "end stopped"] }
            try await Self.waitUntil("the claim is released") { try await lease.holder(RecorderJobService.key(id)) == nil }
            #expect(try await lease.orphans(skipping: []).isEmpty)
        }
    }
}
