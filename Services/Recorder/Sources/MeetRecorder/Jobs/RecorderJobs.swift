public import Foundation
public import MeetProtocol

/// Which recordings this recorder holds, and what to do next: the job flow
/// of docs/dev/recording.md as a sans-I/O state machine. It takes what
/// arrived (a job on `recorder:jobs`, the answer to a claim or a renewal, a
/// clock tick) and returns actions; ``RecorderJobService`` carries them out
/// against Redis (``RecordingJobLease``) and the recording itself.
///
/// - A start not held or being claimed here, with room left
///   (`capacity`), is claimed; the first recorder to claim wins.
/// - A won claim begins recording and is renewed every `renewEvery`
///   (a third of the lease) until it stops.
/// - A stop of a job held here ends it and releases the claim; a stop of a
///   job held elsewhere is not ours.
/// - A renewal that finds the claim gone (another recorder holds it, or it
///   expired) ends it at once: two recorders never write the same segment.
/// - Every `renewEvery`, with room left, it looks for advertised jobs nobody
///   holds (a recorder died or shut down, ``RecordingJobLease/orphans(skipping:)``)
///   and claims each for the next segment, like a start (failover).
public struct RecorderJobs: Sendable {
    public enum Action: Sendable, Equatable {
        /// Try to claim the job (`SET NX PX`).
        case claim(RecordingJob)
        /// Renew the claim of this recording.
        case renew(UUID)
        /// Give the claim up.
        case release(UUID)
        /// Start recording the job (join the meeting, write files).
        case begin(RecordingJob)
        /// Stop recording it and finish its files.
        case end(UUID, EndReason)
        /// Look for jobs whose recorder is gone (``orphaned(_:)`` with each).
        case lookForOrphans
    }

    public enum EndReason: String, Sendable, Equatable {
        /// A host (or the end of the meeting) stopped it.
        case stopped
        /// The claim is gone: another recorder has the job now.
        case claimLost = "claim_lost"
        /// This recorder is shutting down.
        case shutdown
    }

    private struct Held: Sendable {
        var job: RecordingJob
        var renewAt: ContinuousClock.Instant
    }

    public let capacity: Int
    public let renewEvery: Duration
    private var held: [UUID: Held] = [:]
    private var claiming: Set<UUID> = []
    /// Claims in flight whose stop already came: released, not held, when won.
    private var stoppedWhileClaiming: Set<UUID> = []
    private var nextLookAt: ContinuousClock.Instant?

    /// - Parameters:
    ///   - capacity: most recordings at once (claims in flight count).
    ///   - renewEvery: how often a held claim is renewed (a third of the lease).
    public init(capacity: Int, renewEvery: Duration) {
        self.capacity = max(1, capacity)
        self.renewEvery = renewEvery
    }

    /// The recordings held now.
    public var holding: Set<UUID> { Set(self.held.keys) }
    /// The recordings held or being claimed: never orphans to this recorder.
    public var busy: Set<UUID> { self.holding.union(self.claiming) }

    /// A job arrived on the bus.
    public mutating func received(_ job: RecordingJob) -> [Action] {
        switch job.action {
        case .start:
            guard self.held[job.recordingId] == nil, !self.claiming.contains(job.recordingId),
                self.held.count + self.claiming.count < self.capacity
            else { return [] }
            self.claiming.insert(job.recordingId)
            return [.claim(job)]
        case .stop:
            if self.claiming.contains(job.recordingId) {
                // The claim is still on its way (a quick start-then-stop): if it
                // wins, it is released at once instead of held and renewed for good.
                self.stoppedWhileClaiming.insert(job.recordingId)
                return []
            }
            guard self.held.removeValue(forKey: job.recordingId) != nil else { return [] }
            return [.end(job.recordingId, .stopped), .release(job.recordingId)]
        }
    }

    /// The answer to ``Action/claim(_:)``. A claim that fails with an error counts as lost.
    public mutating func claimed(_ job: RecordingJob, won: Bool, now: ContinuousClock.Instant) -> [Action] {
        let stopped = self.stoppedWhileClaiming.remove(job.recordingId) != nil
        guard self.claiming.remove(job.recordingId) != nil, won else { return [] }
        if stopped { return [.release(job.recordingId)] }
        self.held[job.recordingId] = Held(job: job, renewAt: now.advanced(by: self.renewEvery))
        return [.begin(job)]
    }

    /// The answer to ``Action/renew(_:)``: `stillHeld` false ends the recording at once.
    /// An error (Redis down) is not an answer: the next tick retries, and
    /// the lease's remaining two thirds are the margin.
    public mutating func renewed(_ recordingId: UUID, stillHeld: Bool) -> [Action] {
        guard !stillHeld, self.held.removeValue(forKey: recordingId) != nil else { return [] }
        return [.end(recordingId, .claimLost)]
    }

    /// The renewals due at `now`.
    public mutating func tick(now: ContinuousClock.Instant) -> [Action] {
        let due = self.held.filter { $0.value.renewAt <= now }.keys.sorted { $0.uuidString < $1.uuidString }
        let next = now.advanced(by: self.renewEvery)
        for id in due {
            self.held[id]?.renewAt = next
        }
        return due.map(Action.renew)
    }

    /// A look for orphans every `renewEvery` while there is room (the first
    /// a period after the first call): a job whose claim expired is found
    /// within a lease and a third of its recorder's death.
    public mutating func lookForOrphans(now: ContinuousClock.Instant) -> [Action] {
        guard let lookAt = self.nextLookAt else {
            self.nextLookAt = now.advanced(by: self.renewEvery)
            return []
        }
        guard lookAt <= now else { return [] }
        self.nextLookAt = now.advanced(by: self.renewEvery)
        return self.held.count + self.claiming.count < self.capacity ? [.lookForOrphans] : []
    }

    /// A job found by ``Action/lookForOrphans``, as its last recorder
    /// advertised it: claimed (room permitting) for the segment after that one.
    public mutating func orphaned(_ job: RecordingJob) -> [Action] {
        var next = job
        next.action = .start
        next.segment = job.segment + 1
        return self.received(next)
    }

    /// Shutting down: end and release everything held.
    public mutating func shutdown() -> [Action] {
        let ids = self.held.keys.sorted { $0.uuidString < $1.uuidString }
        self.held.removeAll()
        return ids.flatMap { [Action.end($0, .shutdown), .release($0)] }
    }
}
