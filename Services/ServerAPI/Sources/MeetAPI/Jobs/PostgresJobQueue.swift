import Foundation
import Logging
import MeetCore
import MeetDatabase
import PostgresNIO

/// ``JobQueue`` on the `jobs` table (``MeetSchema``, version 9).
struct PostgresJobQueue: JobQueue {
    let database: Database

    func enqueue(_ jobs: [NewJob]) async throws -> Int {
        guard !jobs.isEmpty else { return 0 }
        let logger = self.database.logger
        return try await self.database.withConnection { connection in
            try await Self.insert(jobs, on: connection, logger: logger)
        }
    }

    /// Inserts `jobs` on `connection` (an ``Outbox`` writes them in its
    /// change's transaction); returns how many were new.
    static func insert(_ jobs: [NewJob], on connection: PostgresConnection, logger: Logger) async throws -> Int {
        var inserted = 0
        for job in jobs {
            let payload = String(decoding: job.payload, as: UTF8.self)
            let rows = try await connection.query(
                """
                INSERT INTO jobs (kind, payload, dedupe_key, run_at)
                VALUES (\(job.kind), \(payload)::jsonb, \(job.dedupeKey), \(job.runAt))
                ON CONFLICT (dedupe_key) DO NOTHING RETURNING id
                """,
                logger: logger
            ).collect()
            inserted += rows.count
        }
        return inserted
    }

    func claim(worker: String, kinds: [String], limit: Int, lease: Duration, now: Date) async throws -> [ClaimedJob] {
        guard !kinds.isEmpty else { return [] }
        let leaseEnd = now.addingTimeInterval(TimeInterval(lease.components.seconds))
        // SKIP LOCKED: rows another replica is claiming right now are passed
        // over, not waited for; the UPDATE's lease keeps them from the next claim.
        let rows = try await self.database.query(
            """
            UPDATE jobs SET locked_by = \(worker), locked_until = \(leaseEnd), attempts = attempts + 1
            WHERE id IN (
                SELECT id FROM jobs
                WHERE done_at IS NULL AND failed_at IS NULL AND run_at <= \(now) AND kind = ANY(\(kinds))
                  AND (locked_until IS NULL OR locked_until < \(now))
                ORDER BY run_at, id
                LIMIT \(limit)
                FOR UPDATE SKIP LOCKED
            )
            RETURNING id, kind, payload::text AS payload, attempts
            """)
        return try rows.map { row in
            let columns = RowColumns(row)
            return ClaimedJob(
                id: try columns.decode("id"), kind: try columns.decode("kind"),
                payload: Data(try columns.decode("payload", as: String.self).utf8),
                attempts: Int(try columns.decode("attempts", as: Int32.self)))
        }
        .sorted { $0.id < $1.id }
    }

    func complete(id: Int64, worker: String) async throws -> Bool {
        let rows = try await self.database.query(
            """
            UPDATE jobs SET done_at = now(), locked_by = NULL, locked_until = NULL, last_error = NULL
            WHERE id = \(id) AND locked_by = \(worker) AND done_at IS NULL RETURNING id
            """)
        return !rows.isEmpty
    }

    func retry(id: Int64, worker: String, at: Date, error: String) async throws {
        _ = try await self.database.query(
            """
            UPDATE jobs SET run_at = \(at), locked_by = NULL, locked_until = NULL, last_error = \(String(error.prefix(500)))
            WHERE id = \(id) AND locked_by = \(worker)
            """)
    }

    func fail(id: Int64, worker: String, error: String) async throws {
        _ = try await self.database.query(
            """
            UPDATE jobs SET failed_at = now(), locked_by = NULL, locked_until = NULL, last_error = \(String(error.prefix(500)))
            WHERE id = \(id) AND locked_by = \(worker)
            """)
    }

    func counts() async throws -> JobCounts {
        let rows = try await self.database.query(
            """
            SELECT count(*) FILTER (WHERE done_at IS NULL AND failed_at IS NULL) AS pending,
                   count(*) FILTER (WHERE done_at IS NOT NULL) AS done,
                   count(*) FILTER (WHERE failed_at IS NOT NULL) AS failed
            FROM jobs
            """)
        let columns = RowColumns(rows[0])
        return JobCounts(
            pending: Int(try columns.decode("pending", as: Int64.self)), done: Int(try columns.decode("done", as: Int64.self)),
            failed: Int(try columns.decode("failed", as: Int64.self)))
    }
}
