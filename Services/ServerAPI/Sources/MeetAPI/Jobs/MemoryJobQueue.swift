import Foundation
import NIOConcurrencyHelpers

/// ``JobQueue`` in memory, with the lease rules of ``PostgresJobQueue``.
final class MemoryJobQueue: JobQueue {
    private struct Row {
        var job: NewJob
        var attempts = 0
        var lockedBy: String?
        var lockedUntil: Date?
        var done = false
        var doneAt: Date?
        var failed = false
        var lastError: String?
    }

    private let rows = NIOLockedValueBox<[Int64: Row]>([:])
    private let nextId = NIOLockedValueBox<Int64>(1)

    func enqueue(_ jobs: [NewJob]) async throws -> Int {
        self.rows.withLockedValue { rows in
            var inserted = 0
            for job in jobs {
                if let key = job.dedupeKey, rows.values.contains(where: { $0.job.dedupeKey == key }) { continue }
                let id = self.nextId.withLockedValue { id in
                    defer { id += 1 }
                    return id
                }
                rows[id] = Row(job: job)
                inserted += 1
            }
            return inserted
        }
    }

    func claim(worker: String, kinds: [String], limit: Int, lease: Duration, now: Date) async throws -> [ClaimedJob] {
        self.rows.withLockedValue { rows in
            let due = rows.filter { _, row in
                kinds.contains(row.job.kind) && !row.done && !row.failed && row.job.runAt <= now && (row.lockedUntil.map { $0 < now } ?? true)
            }
            .sorted { ($0.value.job.runAt, $0.key) < ($1.value.job.runAt, $1.key) }
            .prefix(limit)
            return due.map { id, _ in
                rows[id]!.attempts += 1
                rows[id]!.lockedBy = worker
                rows[id]!.lockedUntil = now.addingTimeInterval(TimeInterval(lease.components.seconds))
                let row = rows[id]!
                return ClaimedJob(id: id, kind: row.job.kind, payload: row.job.payload, attempts: row.attempts)
            }
        }
    }

    func complete(id: Int64, worker: String) async throws -> Bool {
        self.update(id, worker: worker) {
            $0.done = true
            $0.doneAt = Date()
        }
    }

    func retry(id: Int64, worker: String, at: Date, error: String) async throws {
        self.update(id, worker: worker) {
            $0.job.runAt = at
            $0.lastError = error
        }
    }

    func fail(id: Int64, worker: String, error: String) async throws {
        self.update(id, worker: worker) {
            $0.failed = true
            $0.lastError = error
        }
    }

    func counts() async throws -> JobCounts {
        self.rows.withLockedValue { rows in
            JobCounts(
                pending: rows.values.filter { !$0.done && !$0.failed }.count, done: rows.values.filter(\.done).count,
                failed: rows.values.filter(\.failed).count)
        }
    }

    func purgeDone(kind: String, before: Date) async throws -> Int {
        self.rows.withLockedValue { rows in
            let gone = rows.filter { $0.value.job.kind == kind && $0.value.done && ($0.value.doneAt ?? .distantFuture) < before }.keys
            for id in gone { rows.removeValue(forKey: id) }
            return gone.count
        }
    }

    /// The payloads of every job of `kind`, in insertion order (tests).
    func payloads(kind: String) -> [Data] {
        self.rows.withLockedValue { rows in
            rows.sorted { $0.key < $1.key }.filter { $0.value.job.kind == kind }.map(\.value.job.payload)
        }
    }

    @discardableResult
    private func update(_ id: Int64, worker: String, _ change: (inout Row) -> Void) -> Bool {
        self.rows.withLockedValue { rows in
            guard var row = rows[id], row.lockedBy == worker, !row.done else { return false }
            change(&row)
            row.lockedBy = nil
            row.lockedUntil = nil
            rows[id] = row
            return true
        }
    }
}
