import Foundation
import Logging
import MeetCore
import MeetDatabase
import MeetTestSupport
import PostgresNIO
import Testing

@Suite("Migrations against a real PostgreSQL")
struct MigratorTests {
    static let logger = Logger(label: "meet.test.migrator")

    @Test("an empty database gets every table; a second run is a no-op")
    func emptyDatabase() async throws {
        try await TestPostgres.withFreshDatabase { configuration in
            try await TestPostgres.withDatabase(configuration) { database in
                let migrator = try Migrator(migrations: MeetSchema.migrations, logger: Self.logger)
                let first = try await migrator.migrate(database)
                #expect(first == MeetSchema.migrations.map(\.version))
                let second = try await migrator.migrate(database)
                #expect(second.isEmpty)

                let rows = try await database.query(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name"
                )
                let tables = try rows.map { try $0.decode(String.self) }
                #expect(
                    tables == [
                        "attachments", "breakout_assignments", "breakout_members", "breakouts",
                        "calendar_feeds", "invitations", "jobs", "meeting_bans", "meeting_occurrence_exceptions", "meeting_schedules", "meetings",
                        "members", "messages", "notifications", "participants", "poll_votes", "polls", "question_votes", "questions",
                        "recording_files", "recording_segments", "recordings", "refresh_tokens", "schema_migrations", "talk_seconds", "user_settings", "users",
                        "whiteboard_ops", "whiteboards",
                    ]
                )
            }
        }
    }

    @Test("concurrent migrators apply each version exactly once")
    func concurrent() async throws {
        try await TestPostgres.withFreshDatabase { configuration in
            try await TestPostgres.withDatabase(configuration) { database in
                let migrator = try Migrator(migrations: MeetSchema.migrations, logger: Self.logger)
                let results = try await withThrowingTaskGroup(of: [Int].self) { group in
                    for _ in 0..<4 {
                        group.addTask { try await migrator.migrate(database) }
                    }
                    return try await group.reduce(into: [[Int]]()) { $0.append($1) }
                }
                #expect(results.flatMap { $0 }.sorted() == MeetSchema.migrations.map(\.version))
                #expect(results.filter(\.isEmpty).count == 3)
                let count = try await database.query("SELECT count(*) FROM schema_migrations")[0].decode(Int.self)
                #expect(count == MeetSchema.migrations.count)
            }
        }
    }

    @Test("an edited migration is detected; a failing one rolls back entirely")
    func checksumAndRollback() async throws {
        try await TestPostgres.withFreshDatabase { configuration in
            try await TestPostgres.withDatabase(configuration) { database in
                let one = Migration(version: 1, name: "t", statements: ["CREATE TABLE t (id int)"])
                try await Migrator(migrations: [one], logger: Self.logger).migrate(database)

                let edited = Migration(version: 1, name: "t", statements: ["CREATE TABLE t (id bigint)"])
                await #expect(throws: MigrationError.checksumMismatch(version: 1, name: "t")) {
                    try await Migrator(migrations: [edited], logger: Self.logger).migrate(database)
                }

                let broken = Migration(
                    version: 2, name: "broken", statements: ["CREATE TABLE u (id int)", "THIS IS NOT SQL"]
                )
                await #expect(throws: DatabaseError.self) {
                    try await Migrator(migrations: [one, broken], logger: Self.logger).migrate(database)
                }
                let rows = try await database.query("SELECT to_regclass('u') IS NULL, (SELECT max(version) FROM schema_migrations)")
                let (noTable, version) = try rows[0].decode((Bool, Int).self)
                #expect(noTable)
                #expect(version == 1)
            }
        }
    }

    @Test("version 5: one active recording per meeting, however many replicas start one")
    func oneActiveRecordingPerMeeting() async throws {
        try await TestPostgres.withFreshDatabase { configuration in
            try await TestPostgres.withDatabase(configuration) { database in
                try await Migrator(migrations: MeetSchema.migrations, logger: Self.logger).migrate(database)
                let user = UUID()
                let meeting = UUID()
                _ = try await database.query("INSERT INTO users (id, email, password_hash, display_name) VALUES (\(user), 'r@example.com', 'x', 'R')")
                _ = try await database.query("INSERT INTO meetings (id, code, title, owner_id) VALUES (\(meeting), 'abc-defg-hij', 'T', \(user))")
                let first = UUID()
                _ = try await database.query("INSERT INTO recordings (id, meeting_id, started_by) VALUES (\(first), \(meeting), \(user))")
                // A second start while the first is active loses, whichever replica sends it.
                await #expect(throws: DatabaseError.self) {
                    _ = try await database.query("INSERT INTO recordings (id, meeting_id, started_by) VALUES (\(UUID()), \(meeting), \(user))")
                }
                // Once it stopped, the next one starts; the meeting's default access is members.
                _ = try await database.query("UPDATE recordings SET status = 'stopped', ended_at = now() WHERE id = \(first)")
                _ = try await database.query("INSERT INTO recordings (id, meeting_id, started_by) VALUES (\(UUID()), \(meeting), \(user))")
                let rows = try await database.query("SELECT count(*), (SELECT recording_access FROM meetings) FROM recordings")
                let (count, access) = try rows[0].decode((Int, String).self)
                #expect(count == 2)
                #expect(access == "members")
                // A file needs its segment; deleting the recording deletes both.
                _ = try await database.query("INSERT INTO recording_segments (recording_id, segment, recorder_id) VALUES (\(first), 0, 'rec-a')")
                _ = try await database.query(
                    """
                    INSERT INTO recording_files (id, recording_id, segment, track_id, kind, codec, storage_key, bytes, start_ms, duration_ms)
                    VALUES (\(UUID()), \(first), 0, 'v1', 'video', 'VP8', 'k', 10, 0, 1000)
                    """)
                await #expect(throws: DatabaseError.self) {
                    _ = try await database.query(
                        """
                        INSERT INTO recording_files (id, recording_id, segment, track_id, kind, codec, storage_key, bytes, start_ms, duration_ms)
                        VALUES (\(UUID()), \(first), 1, 'v1', 'video', 'VP8', 'k', 10, 0, 1000)
                        """)
                }
                _ = try await database.query("DELETE FROM recordings WHERE id = \(first)")
                let left = try await database.query("SELECT (SELECT count(*) FROM recording_segments), (SELECT count(*) FROM recording_files)")
                let (segments, files) = try left[0].decode((Int, Int).self)
                #expect(segments == 0 && files == 0)
            }
        }
    }

    @Test("duplicate versions are refused up front")
    func duplicates() {
        let a = Migration(version: 1, name: "a", statements: [])
        #expect(throws: MigrationError.duplicateVersion(1)) {
            try Migrator(migrations: [a, a], logger: Self.logger)
        }
    }
}
