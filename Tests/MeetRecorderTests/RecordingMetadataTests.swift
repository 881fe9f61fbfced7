import Foundation
import MeetDatabase
import MeetProtocol
import MeetTestSupport
import PostgresNIO
import Testing

@testable import MeetRecorder

/// What the recorder writes, against PostgreSQL (MEET_TEST_DATABASE_URL) on
/// a fresh database at schema version 5.
@Suite struct RecordingMetadataTests {
    struct Row: Equatable {
        var status: String
        var started: Bool
        var ended: Bool
    }

    static func withRecording(_ body: @Sendable (Database, UUID, UUID) async throws -> Void) async throws {
        try await TestPostgres.withFreshDatabase { configuration in
            try await TestPostgres.withDatabase(configuration) { database in
                _ = try await Migrator(migrations: MeetSchema.migrations, logger: TestPostgres.logger).migrate(database)
                let user = UUID()
                let meeting = UUID()
                let recording = UUID()
                _ = try await database.query(
                    "INSERT INTO users (id, email, password_hash, display_name) VALUES (\(user), 'rec@example.com', 'h', 'R')")
                _ = try await database.query(
                    "INSERT INTO meetings (id, code, title, owner_id) VALUES (\(meeting), 'abc-defg-hij', 'T', \(user))")
                _ = try await database.query(
                    "INSERT INTO recordings (id, meeting_id, started_by) VALUES (\(recording), \(meeting), \(user))")
                try await body(database, meeting, recording)
            }
        }
    }

    static func row(_ database: Database, _ id: UUID) async throws -> Row {
        let rows = try await database.query(
            "SELECT status, started_at IS NOT NULL AS started, ended_at IS NOT NULL AS ended FROM recordings WHERE id = \(id)")
        let (status, started, ended) = try rows[0].decode((String, Bool, Bool).self)
        return Row(status: status, started: started, ended: ended)
    }

    static func segments(_ database: Database, _ id: UUID) async throws -> [String] {
        let rows = try await database.query(
            "SELECT recorder_id, ended_at IS NOT NULL FROM recording_segments WHERE recording_id = \(id) ORDER BY segment")
        return try rows.map { row in
            let (recorder, ended) = try row.decode((String, Bool).self)
            return "\(recorder)\(ended ? " ended" : "")"
        }
    }

    static func job(_ meeting: UUID, _ recording: UUID) -> RecordingJob {
        RecordingJob(action: .start, recordingId: recording, meetingId: meeting, meetingCode: "abc-defg-hij", requestedBy: nil, sentAtMs: 0)
    }

    @Test func aClaimMakesItRecordingWithASegmentAndTheStopMakesItStopped() async throws {
        try await Self.withRecording { database, meeting, recording in
            let metadata = PostgresRecordingMetadata(database: database)
            try await metadata.began(Self.job(meeting, recording), recorderId: "rec-a")
            #expect(try await Self.row(database, recording) == Row(status: "recording", started: true, ended: false))
            #expect(try await Self.segments(database, recording) == ["rec-a"])
            // meet-api's stop, then the recorder finishing.
            _ = try await database.query("UPDATE recordings SET status = 'stopping' WHERE id = \(recording)")
            try await metadata.ended(recording, recorderId: "rec-a", reason: .stopped)
            #expect(try await Self.row(database, recording) == Row(status: "stopped", started: true, ended: true))
            #expect(try await Self.segments(database, recording) == ["rec-a ended"])
        }
    }

    @Test func aStopThatCameFirstIsNeverUndoneAndALostClaimOnlyEndsTheSegment() async throws {
        try await Self.withRecording { database, meeting, recording in
            let metadata = PostgresRecordingMetadata(database: database)
            _ = try await database.query("UPDATE recordings SET status = 'stopped', ended_at = now() WHERE id = \(recording)")
            try await metadata.began(Self.job(meeting, recording), recorderId: "rec-a")
            #expect(try await Self.row(database, recording).status == "stopped")
            #expect(try await Self.segments(database, recording) == [])
            // A segment of a recording that is on, whose claim is then lost.
            _ = try await database.query("UPDATE recordings SET status = 'starting', ended_at = NULL WHERE id = \(recording)")
            try await metadata.began(Self.job(meeting, recording), recorderId: "rec-a")

            try await metadata.ended(recording, recorderId: "rec-a", reason: .claimLost)
            #expect(try await Self.row(database, recording) == Row(status: "recording", started: true, ended: false))
            #expect(try await Self.segments(database, recording) == ["rec-a ended"])
        }
    }

    @Test func theFilesOfASegmentAreWrittenWithWhatTheListingShows() async throws {
        try await Self.withRecording { database, meeting, recording in
            let metadata = PostgresRecordingMetadata(database: database)
            let publisher = UUID()
            func file(_ track: String, _ codec: TrackCodec, bytes: Int) -> RecordedFile {
                RecordedFile(
                    name: RecordedTrackName(
                        meetingCode: "abc-defg-hij", recordingID: recording.uuidString.lowercased(), segment: 0,
                        participantID: publisher.uuidString.lowercased(), trackID: track, codec: codec),
                    path: "/r/\(track).webm", bytes: bytes, frames: 10, startMilliseconds: 40, durationMilliseconds: 5_960,
                    lostPackets: 2, resolutionChanges: 0)
            }
            let files = [file("t:0", .opus, bytes: 1_000), file("t:1", .vp8, bytes: 90_000)]
            // No segment of this recorder's yet: nothing to hang files on (a stop that came first).
            try await metadata.recorded(files, recordingId: recording, segment: 0)
            #expect(try await database.query("SELECT 1 FROM recording_files").isEmpty)
            try await metadata.began(Self.job(meeting, recording), recorderId: "rec-a")
            try await metadata.recorded(files, recordingId: recording, segment: 0)
            let rows = try await database.query(
                """
                SELECT participant_id, track_id, kind, codec, storage_key, bytes, start_ms, duration_ms, lost_packets
                FROM recording_files WHERE recording_id = \(recording) ORDER BY track_id
                """)
            let decoded = try rows.map { try $0.decode((UUID, String, String, String, String, Int64, Int64, Int64, Int64).self) }
            #expect(decoded.map(\.0) == [publisher, publisher])
            #expect(decoded.map { "\($0.1) \($0.2) \($0.3) \($0.4) \($0.5)" } == ["t:0 audio opus /r/t:0.webm 1000", "t:1 video VP8 /r/t:1.webm 90000"])
            #expect(decoded.map { [$0.6, $0.7, $0.8] } == [[40, 5_960, 2], [40, 5_960, 2]])
        }
    }

    /// Failover: the takeover ends the dead recorder's open segment, goes on
    /// in a new one, and the gap between them is measured on one clock (each
    /// segment's started_at is its files' origin) and stored on the segment.
    @Test func aTakeoverEndsTheDeadSegmentAndTheGapIsMeasuredFromTheFiles() async throws {
        try await Self.withRecording { database, meeting, recording in
            let metadata = PostgresRecordingMetadata(database: database)
            let publisher = UUID().uuidString.lowercased()
            func file(_ segment: Int, start: Int64, duration: Int64) -> RecordedFile {
                RecordedFile(
                    name: RecordedTrackName(
                        meetingCode: "abc-defg-hij", recordingID: recording.uuidString.lowercased(), segment: segment,
                        participantID: publisher, trackID: "t\(segment)", codec: .opus),
                    path: "/r/seg\(segment).webm", bytes: 10, frames: 10, startMilliseconds: start, durationMilliseconds: duration,
                    lostPackets: 0, resolutionChanges: 0)
            }
            let origin = Date(timeIntervalSince1970: 1_800_000_000)
            try await metadata.began(Self.job(meeting, recording), recorderId: "rec-a", origin: origin)
            // rec-a dies; rec-b claims segment 1, 12.5 s after rec-a's origin.
            var next = Self.job(meeting, recording)
            next.segment = 1
            #expect(try await metadata.takeOver(next) == .record)
            #expect(try await Self.segments(database, recording) == ["rec-a ended"])
            try await metadata.began(next, recorderId: "rec-b", origin: origin.addingTimeInterval(12.5))
            // rec-a's media: 0.2 s to 9.2 s (salvaged); rec-b's from 1.3 s of its own timeline.
            try await metadata.recorded([file(0, start: 200, duration: 9_000)], recordingId: recording, segment: 0)
            #expect(try await metadata.measureGaps(recording).isEmpty)
            try await metadata.recorded([file(1, start: 1_300, duration: 4_000)], recordingId: recording, segment: 1)
            // 12.5 + 1.3 - 9.2 = 4.6 s.
            #expect(try await metadata.measureGaps(recording) == [SegmentGap(segment: 1, gapMilliseconds: 4_600)])
            let stored = try await database.query("SELECT gap_ms FROM recording_segments WHERE recording_id = \(recording) ORDER BY segment")
            #expect(try stored.map { try $0.decode(Int64?.self) } == [nil, 4_600])

            // A stop while nobody held it (`stopping`): the next takeover finishes it rather than records.
            _ = try await database.query("UPDATE recordings SET status = 'stopping' WHERE id = \(recording)")
            next.segment = 2
            #expect(try await metadata.takeOver(next) == .finish)
            #expect(try await Self.segments(database, recording) == ["rec-a ended", "rec-b ended"])
            _ = try await database.query("UPDATE recordings SET status = 'stopped' WHERE id = \(recording)")
            #expect(try await metadata.takeOver(next) == .over)
        }
    }
}
