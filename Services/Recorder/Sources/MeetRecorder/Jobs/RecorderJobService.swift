public import Foundation
public import Logging
public import MeetProtocol
public import MeetRedis
public import ServiceLifecycle

/// What the recorder does with a job it won or lost: ``MediaJobHandler``
/// joins the meeting as a hidden subscriber and writes the files and the metadata.
public protocol RecorderJobHandler: Sendable {
    /// Records the job; false when there is nothing to record (a job taken
    /// over after its recording was stopped: the handler finished it), which
    /// ends it like a stop.
    func begin(_ job: RecordingJob) async -> Bool
    func end(_ recordingId: UUID, reason: RecorderJobs.EndReason) async
}

/// Runs ``RecorderJobs`` against Redis: listens on `recorder:jobs`, claims,
/// renews and releases with ``RecordingJobLease``, and tells the
/// ``RecorderJobHandler``. A Service: on shutdown every held job is ended
/// and released, so another recorder takes it over for a new segment at
/// its next look for orphans (``RecordingJobLease/orphans(skipping:)``),
/// as it does a job whose recorder died once the claim expires.
public actor RecorderJobService: Service {
    private var jobs: RecorderJobs
    private let lease: RecordingJobLease
    private let subscriber: RedisSubscriber
    private let channel: String
    private let handler: any RecorderJobHandler
    private let logger: Logger

    public init(
        lease: RecordingJobLease, subscriber: RedisSubscriber, channels: RecorderChannels, capacity: Int,
        handler: any RecorderJobHandler, logger: Logger
    ) {
        self.jobs = RecorderJobs(capacity: capacity, renewEvery: lease.lease / 3)
        self.lease = lease
        self.subscriber = subscriber
        self.channel = channels.jobs
        self.handler = handler
        self.logger = logger
    }

    /// The recordings held now.
    public var holding: Set<UUID> { self.jobs.holding }
    /// Whether it is subscribed to `recorder:jobs` (a job published from now on reaches it).
    public private(set) var isListening = false

    public func run() async throws {
        let subscription = try await self.subscriber.subscribe(to: self.channel)
        self.isListening = true
        defer { self.isListening = false }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await message in subscription {
                    await self.received(message.payload)
                }
            }
            group.addTask {
                // A tick a few times per renewal period: renewals are never late by more than that.
                while !Task.isCancelled {
                    try? await Task.sleep(for: self.jobs.renewEvery / 4)
                    await self.execute(self.tickActions())
                }
            }
            await waitForShutdown()
            group.cancelAll()
        }
        await self.execute(self.shutdownActions())
    }

    private func tickActions() -> [RecorderJobs.Action] {
        let now = ContinuousClock.now
        return self.jobs.tick(now: now) + self.jobs.lookForOrphans(now: now)
    }
    private func shutdownActions() -> [RecorderJobs.Action] { self.jobs.shutdown() }

    private func received(_ payload: [UInt8]) async {
        let job: RecordingJob
        do {
            job = try JSONDecoder().decode(BusEnvelope<RecordingJob>.self, from: Data(payload)).body
        } catch {
            self.logger.warning("ignored a message on recorder:jobs that is not a job", metadata: ["error": "\(error)"])
            return
        }
        await self.execute(self.jobs.received(job))
    }

    private func execute(_ actions: [RecorderJobs.Action]) async {
        for action in actions {
            switch action {
            case .claim(let job):
                let won: Bool
                do {
                    won = try await self.lease.claim(Self.key(job.recordingId))
                } catch {
                    self.logger.warning("could not claim a recording job", metadata: ["recording.id": "\(job.recordingId)", "error": "\(error)"])
                    won = false
                }
                await self.execute(self.jobs.claimed(job, won: won, now: .now))
            case .renew(let id):
                do {
                    let stillHeld = try await self.lease.renew(Self.key(id))
                    await self.execute(self.jobs.renewed(id, stillHeld: stillHeld))
                } catch {
                    // Not an answer: the next renewal retries within the lease.
                    self.logger.warning("could not renew a recording job", metadata: ["recording.id": "\(id)", "error": "\(error)"])
                }
            case .release(let id):
                do {
                    try await self.lease.release(Self.key(id))
                } catch {
                    // The lease expires on its own.
                    self.logger.warning("could not release a recording job", metadata: ["recording.id": "\(id)", "error": "\(error)"])
                }
            case .begin(let job):
                do {
                    try await self.lease.advertise(job)
                } catch {
                    // Only a takeover needs it; the recording goes on regardless.
                    self.logger.warning("could not advertise a recording job", metadata: ["recording.id": "\(job.recordingId)", "error": "\(error)"])
                }
                if await !self.handler.begin(job) {
                    var stop = job
                    stop.action = .stop
                    await self.execute(self.jobs.received(stop))
                }
            case .end(let id, let reason):
                await self.handler.end(id, reason: reason)
                // Withdrawn before the release: a stopped recording is never taken over.
                if reason == .stopped {
                    do {
                        try await self.lease.withdraw(Self.key(id))
                    } catch {
                        self.logger.warning("could not withdraw a recording job", metadata: ["recording.id": "\(id)", "error": "\(error)"])
                    }
                }
            case .lookForOrphans:
                let orphans: [RecordingJob]
                do {
                    orphans = try await self.lease.orphans(skipping: self.jobs.busy)
                } catch {
                    self.logger.warning("could not look for recording jobs without a recorder", metadata: ["error": "\(error)"])
                    continue
                }
                for job in orphans {
                    self.logger.notice(
                        "found a recording whose recorder is gone: claiming it",
                        metadata: ["recording.id": "\(job.recordingId)", "segment": "\(job.segment + 1)"])
                    await self.execute(self.jobs.orphaned(job))
                }
            }
        }
    }

    /// The claim key's id: the recording id as meet-api writes it in JSON, lowercased.
    static func key(_ id: UUID) -> String { id.uuidString.lowercased() }
}

/// Waits for graceful shutdown (or cancellation) without throwing.
private func waitForShutdown() async {
    try? await gracefulShutdown()
}
