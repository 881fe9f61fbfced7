import Foundation

/// The durable job table (`jobs`): the outbox of email and the like.
///
/// A job is *claimed* by one worker at a time under a lease: PostgreSQL's
/// `FOR UPDATE SKIP LOCKED` hands each due row to exactly one of the
/// replicas asking, and `locked_until` keeps it theirs while they run it. A
/// replica that dies mid-job leaves the lease to expire, and the job runs
/// again elsewhere: a job survives restarts, and runs *at least* once to
/// completion — exactly once unless its runner dies between doing the work
/// and recording it (email carries a stable Message-ID for that case).
protocol JobQueue: Sendable {
    /// Inserts the jobs; one whose `dedupeKey` exists already is skipped.
    /// Returns how many were inserted.
    @discardableResult
    func enqueue(_ jobs: [NewJob]) async throws -> Int
    /// Up to `limit` due jobs of `kinds`, now leased to `worker` for `lease`, their attempt counted.
    func claim(worker: String, kinds: [String], limit: Int, lease: Duration, now: Date) async throws -> [ClaimedJob]
    /// The job is done; false when the lease was lost (another worker has it).
    @discardableResult
    func complete(id: Int64, worker: String) async throws -> Bool
    /// Runs the job again at `at`.
    func retry(id: Int64, worker: String, at: Date, error: String) async throws
    /// Gives the job up for good.
    func fail(id: Int64, worker: String, error: String) async throws
    /// Jobs by state, for tests and `/metrics`.
    func counts() async throws -> JobCounts
    /// Deletes the jobs of `kind` done before `before` (a periodic job leaves
    /// one row per run otherwise); how many. Only for kinds whose dedupe key
    /// is never used again once done, or the job would run again.
    @discardableResult
    func purgeDone(kind: String, before: Date) async throws -> Int
}

/// A job to insert.
struct NewJob: Sendable, Equatable {
    var kind: String
    /// JSON.
    var payload: Data
    /// At most one job per key, ever (reminders: one per occurrence and user).
    var dedupeKey: String?
    var runAt: Date

    init(kind: String, payload: Data, dedupeKey: String? = nil, runAt: Date = Date()) {
        self.kind = kind
        self.payload = payload
        self.dedupeKey = dedupeKey
        self.runAt = runAt
    }

    init<Payload: Encodable>(kind: String, encoding payload: Payload, dedupeKey: String? = nil, runAt: Date = Date()) throws {
        self.init(kind: kind, payload: try JSONEncoder().encode(payload), dedupeKey: dedupeKey, runAt: runAt)
    }
}

/// A job leased to a worker.
struct ClaimedJob: Sendable, Equatable {
    var id: Int64
    var kind: String
    var payload: Data
    /// Including this one.
    var attempts: Int
}

struct JobCounts: Sendable, Equatable {
    var pending: Int
    var done: Int
    var failed: Int
}
