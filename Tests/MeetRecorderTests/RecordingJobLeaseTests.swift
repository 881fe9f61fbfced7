import MeetRedis
import MeetRedisTestSupport
import Testing

@testable import MeetRecorder

/// Job claims against the real Redis (MEET_TEST_REDIS_URL): one recorder
/// wins, only the holder renews or releases, an expired lease is claimable.
@Suite struct RecordingJobLeaseTests {
    @Test func oneRecorderWinsAndOnlyTheHolderRenewsOrReleases() async throws {
        try await TestRedis.withClient { redis in
            let prefix = TestRedis.unique("rec") + ":"
            let a = RecordingJobLease(recorderId: "rec-a", lease: .seconds(30), redis: redis, keyPrefix: prefix)
            let b = RecordingJobLease(recorderId: "rec-b", lease: .seconds(30), redis: redis, keyPrefix: prefix)
            // Both see the job at once: exactly one claims it.
            async let claimedA = a.claim("r1")
            async let claimedB = b.claim("r1")
            let (wonA, wonB) = try await (claimedA, claimedB)
            #expect(wonA != wonB)
            let (holder, other) = wonA ? (a, b) : (b, a)
            #expect(try await holder.holder("r1") == holder.recorderId)
            #expect(try await holder.renew("r1"))
            #expect(try await !other.renew("r1"))
            try await other.release("r1")
            #expect(try await holder.holder("r1") == holder.recorderId)
            try await holder.release("r1")
            #expect(try await holder.holder("r1") == nil)
            #expect(try await other.claim("r1"))
            try await other.release("r1")
        }
    }

    @Test func anExpiredLeaseIsClaimedByAnotherAndTheOldHolderCannotRenew() async throws {
        try await TestRedis.withClient { redis in
            let prefix = TestRedis.unique("rec") + ":"
            let a = RecordingJobLease(recorderId: "rec-a", lease: .milliseconds(100), redis: redis, keyPrefix: prefix)
            let b = RecordingJobLease(recorderId: "rec-b", lease: .seconds(30), redis: redis, keyPrefix: prefix)
            #expect(try await a.claim("r2"))
            // Wait until Redis expired it (bounded), as when rec-a died.
            try await withTimeout(.seconds(10), "lease expiry") {
                while try await a.holder("r2") != nil { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(try await b.claim("r2"))
            #expect(try await !a.renew("r2"))
            #expect(try await b.holder("r2") == "rec-b")
            try await b.release("r2")
        }
    }
}
