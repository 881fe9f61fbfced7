import Foundation
import MeetProtocol
import Testing

@testable import MeetRecorder

/// The job flow without Redis or a clock of its own (docs/dev/recording.md, "Job flow").
@Suite struct RecorderJobsTests {
    static func job(_ action: RecordingJob.Action, _ id: UUID) -> RecordingJob {
        RecordingJob(action: action, recordingId: id, meetingId: UUID(), meetingCode: "abc-defg-hij", requestedBy: nil, sentAtMs: 0)
    }

    let start = ContinuousClock.now

    @Test func aWonClaimBeginsAndIsRenewedEveryThirdUntilStopped() {
        var jobs = RecorderJobs(capacity: 4, renewEvery: .seconds(5))
        let id = UUID()
        let job = Self.job(.start, id)
        #expect(jobs.received(job) == [.claim(job)])
        // The same job again while the claim is in flight: not claimed twice.
        #expect(jobs.received(job) == [])
        #expect(jobs.claimed(job, won: true, now: start) == [.begin(job)])
        #expect(jobs.received(job) == [])
        #expect(jobs.tick(now: start.advanced(by: .seconds(4))) == [])
        #expect(jobs.tick(now: start.advanced(by: .seconds(5))) == [.renew(id)])
        #expect(jobs.tick(now: start.advanced(by: .seconds(6))) == [])
        #expect(jobs.renewed(id, stillHeld: true) == [])
        #expect(jobs.tick(now: start.advanced(by: .seconds(10))) == [.renew(id)])
        #expect(jobs.received(Self.job(.stop, id)) == [.end(id, .stopped), .release(id)])
        #expect(jobs.holding.isEmpty)
        #expect(jobs.tick(now: start.advanced(by: .seconds(60))) == [])
    }

    @Test func aStopThatOvertakesItsClaimReleasesTheClaimWhenItWins() {
        var jobs = RecorderJobs(capacity: 4, renewEvery: .seconds(5))
        let id = UUID()
        let job = Self.job(.start, id)
        #expect(jobs.received(job) == [.claim(job)])
        #expect(jobs.received(Self.job(.stop, id)) == [])
        // The claim wins after the stop: released, never begun, held or renewed.
        #expect(jobs.claimed(job, won: true, now: start) == [.release(id)])
        #expect(jobs.holding.isEmpty)
        #expect(jobs.tick(now: start.advanced(by: .seconds(60))) == [])
        // The same recording started again later is claimed afresh.
        #expect(jobs.received(job) == [.claim(job)])
        #expect(jobs.claimed(job, won: true, now: start) == [.begin(job)])
    }

    @Test func aLostClaimDoesNothingAndAStopOfAnotherRecordersJobIsNotOurs() {
        var jobs = RecorderJobs(capacity: 4, renewEvery: .seconds(5))
        let id = UUID()
        let job = Self.job(.start, id)
        _ = jobs.received(job)
        #expect(jobs.claimed(job, won: false, now: start) == [])
        #expect(jobs.received(Self.job(.stop, id)) == [])
        #expect(jobs.holding.isEmpty)
        // An answer to a claim never asked for changes nothing.
        #expect(jobs.claimed(Self.job(.start, UUID()), won: true, now: start) == [])
        #expect(jobs.holding.isEmpty)
    }

    @Test func aRenewalThatFindsTheClaimGoneEndsTheRecordingAtOnce() {
        var jobs = RecorderJobs(capacity: 4, renewEvery: .seconds(5))
        let id = UUID()
        let job = Self.job(.start, id)
        _ = jobs.received(job)
        _ = jobs.claimed(job, won: true, now: start)
        #expect(jobs.renewed(id, stillHeld: false) == [.end(id, .claimLost)])
        #expect(jobs.holding.isEmpty)
        #expect(jobs.renewed(id, stillHeld: false) == [])
    }

    @Test func capacityBoundsClaimsInFlightAndHeldJobs() {
        var jobs = RecorderJobs(capacity: 2, renewEvery: .seconds(5))
        let a = Self.job(.start, UUID())
        let b = Self.job(.start, UUID())
        let c = Self.job(.start, UUID())
        #expect(jobs.received(a) == [.claim(a)])
        #expect(jobs.received(b) == [.claim(b)])
        #expect(jobs.received(c) == [])
        _ = jobs.claimed(a, won: false, now: start)
        #expect(jobs.received(c) == [.claim(c)])
    }

    @Test func shutdownEndsAndReleasesEverythingHeld() {
        var jobs = RecorderJobs(capacity: 4, renewEvery: .seconds(5))
        let job = Self.job(.start, UUID())
        _ = jobs.received(job)
        _ = jobs.claimed(job, won: true, now: start)
        #expect(jobs.shutdown() == [.end(job.recordingId, .shutdown), .release(job.recordingId)])
        #expect(jobs.holding.isEmpty)
    }

    @Test func orphansAreLookedForEveryPeriodWithRoomAndClaimedForTheNextSegment() {
        var jobs = RecorderJobs(capacity: 1, renewEvery: .seconds(5))
        #expect(jobs.lookForOrphans(now: start) == [])
        #expect(jobs.lookForOrphans(now: start.advanced(by: .seconds(4))) == [])
        #expect(jobs.lookForOrphans(now: start.advanced(by: .seconds(5))) == [.lookForOrphans])
        #expect(jobs.lookForOrphans(now: start.advanced(by: .seconds(6))) == [])
        // As its dead recorder advertised it: segment 2. Claimed for segment 3.
        var advertised = Self.job(.start, UUID())
        advertised.segment = 2
        var next = advertised
        next.segment = 3
        #expect(jobs.orphaned(advertised) == [.claim(next)])
        #expect(jobs.busy == [advertised.recordingId])
        #expect(jobs.orphaned(advertised) == [])
        #expect(jobs.claimed(next, won: true, now: start) == [.begin(next)])
        // No room left: no look.
        #expect(jobs.lookForOrphans(now: start.advanced(by: .seconds(30))) == [])
    }
}
