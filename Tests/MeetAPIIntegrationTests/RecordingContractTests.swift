import Foundation
import MeetCore
import MeetDatabase
import MeetProtocol
import MeetStorage
import PostgresNIO
import Testing
@testable import MeetAPI

/// ``RecordingRepository`` on both storages: PostgreSQL's partial unique
/// index and the memory store's check say the same.
@Suite("Recording storage contract")
struct RecordingContractTests {
    @Test("one active recording per meeting, even when two start at once", arguments: StorageContractTests.Backend.allCases)
    func oneActive(_ backend: StorageContractTests.Backend) async throws {
        try await StorageContractTests.withStorage(backend) { storage, _ in
            let owner = try await storage.users.create(
                email: StorageContractTests.email(), passwordHash: "h", displayName: "Owner")
            let meeting = try await StorageContractTests.meeting(storage, owner: owner.id)

            // Eight starts at once: exactly one wins, the rest are refused.
            let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        do {
                            _ = try await storage.recordings.start(meetingId: meeting.id, startedBy: owner.id)
                            return true
                        } catch RecordingRepositoryError.alreadyActive {
                            return false
                        }
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 }.count == 1)

            let stopped = try #require(try await storage.recordings.stop(meetingId: meeting.id, reason: "test"))
            #expect(stopped.status == .stopped)
            #expect(stopped.stopReason == "test")
            #expect(try await storage.recordings.stop(meetingId: meeting.id, reason: "test") == nil)
            let next = try await storage.recordings.start(meetingId: meeting.id, startedBy: owner.id)
            let list = try await storage.recordings.list(meetingId: meeting.id)
            #expect(list.map(\.id) == [next.id, stopped.id])
        }
    }

    @Test("a stop is left to a recorder only while one records; a second stop, or none recording, stops it here")
    func stopWithoutARecorder() async throws {
        try await IntegrationDatabase.withDatabase { database in
            let storage = APIStorage.postgres(database, migrate: false)
            let owner = try await storage.users.create(
                email: StorageContractTests.email(), passwordHash: "h", displayName: "Owner")
            let meeting = try await StorageContractTests.meeting(storage, owner: owner.id)

            // A recorder claimed it and records (an open segment): the stop waits for it.
            let live = try await storage.recordings.start(meetingId: meeting.id, startedBy: owner.id)
            _ = try await database.query("UPDATE recordings SET status = 'recording', started_at = now() WHERE id = \(live.id)")
            _ = try await database.query("INSERT INTO recording_segments (recording_id, segment, recorder_id) VALUES (\(live.id), 0, 'r1')")
            #expect(try await storage.recordings.stop(meetingId: meeting.id, reason: "test")?.status == .stopping)
            // Its recorder never finishes: a second stop does, and the meeting can record again.
            let forced = try #require(try await storage.recordings.stop(meetingId: meeting.id, reason: "test"))
            #expect(forced.status == .stopped && forced.endedAt != nil)

            // Its recorder shut down (the segment closed) and nobody took it over: stopped at once.
            let orphan = try await storage.recordings.start(meetingId: meeting.id, startedBy: owner.id)
            _ = try await database.query("UPDATE recordings SET status = 'recording', started_at = now() WHERE id = \(orphan.id)")
            _ = try await database.query(
                "INSERT INTO recording_segments (recording_id, segment, recorder_id, ended_at) VALUES (\(orphan.id), 0, 'r1', now())")
            #expect(try await storage.recordings.stop(meetingId: meeting.id, reason: "test")?.status == .stopped)
            _ = try await storage.recordings.start(meetingId: meeting.id, startedBy: owner.id)
        }
    }
}

/// Playback and retention on PostgreSQL (``MeetSchema`` version 12): the
/// access setting, the files by store, the retention selection and the mark.
@Suite("Recording playback storage")
struct RecordingPlaybackContractTests {
    @Test("retention selects only ended, undeleted recordings past the cutoff, oldest first; the mark drops the files")
    func retentionSelection() async throws {
        try await IntegrationDatabase.withDatabase { database in
            let storage = APIStorage.postgres(database, migrate: false)
            let owner = try await storage.users.create(email: StorageContractTests.email(), passwordHash: "h", displayName: "Owner")
            let meeting = try await StorageContractTests.meeting(storage, owner: owner.id)
            let other = try await StorageContractTests.meeting(storage, owner: owner.id)
            let recordings = storage.recordings

            // Three stopped recordings, ended 10, 3 and 1 days ago; one still running.
            var ended: [UUID] = []
            for days in [10, 3, 1] {
                let recording = try await recordings.start(meetingId: meeting.id, startedBy: owner.id)
                _ = try await recordings.stop(meetingId: meeting.id, reason: "test")
                _ = try await database.query(
                    "UPDATE recordings SET ended_at = \(Date().addingTimeInterval(-Double(days) * 86_400)) WHERE id = \(recording.id)")
                ended.append(recording.id)
            }
            let running = try await recordings.start(meetingId: other.id, startedBy: owner.id)
            _ = try await database.query("UPDATE recordings SET created_at = now() - interval '30 days' WHERE id = \(running.id)")
            _ = try await database.query(
                "INSERT INTO recording_segments (recording_id, segment, recorder_id) VALUES (\(ended[0]), 0, 'r1')")
            _ = try await database.query(
                """
                INSERT INTO recording_files (id, recording_id, segment, track_id, kind, codec, storage_key, bytes, start_ms, duration_ms, storage)
                VALUES (\(UUID()), \(ended[0]), 0, 't', 'video', 'VP8', 'abc/rec/seg0.webm', 10, 0, 1000, 's3')
                """)

            let cutoff = RecordingRetention.cutoff(now: Date(), days: 2)
            #expect(try await recordings.expired(before: cutoff, limit: 10) == [ended[0], ended[1]])
            #expect(try await recordings.expired(before: cutoff, limit: 1) == [ended[0]])
            let files = try await recordings.storedFiles(recordingId: ended[0])
            #expect(files.map(\.storage) == [.s3])
            #expect(files.map(\.key) == ["abc/rec/seg0.webm"])
            #expect(try await recordings.storedFile(recordingId: ended[0], fileId: files[0].id) == files[0])
            #expect(try await recordings.storedFile(recordingId: ended[1], fileId: files[0].id) == nil)

            #expect(try await recordings.markDeleted(recordingId: ended[0]))
            #expect(!(try await recordings.markDeleted(recordingId: ended[0])))
            #expect(try await recordings.storedFiles(recordingId: ended[0]).isEmpty)
            #expect(try await recordings.find(recordingId: ended[0]) == nil)
            #expect(try await recordings.expired(before: cutoff, limit: 10) == [ended[1]])
            #expect(try await recordings.list(meetingId: meeting.id).map(\.id) == [ended[2], ended[1]])
        }
    }

    @Test("recording_access defaults to members and is set; a seat in the meeting counts as having participated")
    func accessAndParticipation() async throws {
        try await IntegrationDatabase.withDatabase { database in
            let storage = APIStorage.postgres(database, migrate: false)
            let owner = try await storage.users.create(email: StorageContractTests.email(), passwordHash: "h", displayName: "Owner")
            let guest = try await storage.users.create(email: StorageContractTests.email(), passwordHash: "h", displayName: "Guest")
            let meeting = try await StorageContractTests.meeting(storage, owner: owner.id)
            #expect(try await storage.recordings.access(meetingId: meeting.id) == .members)
            try await storage.recordings.setAccess(meetingId: meeting.id, access: .participants)
            #expect(try await storage.recordings.access(meetingId: meeting.id) == .participants)
            #expect(!(try await storage.recordings.participated(meetingId: meeting.id, userId: guest.id)))
            _ = try await database.query(
                """
                INSERT INTO participants (id, meeting_id, user_id, display_name, role, status)
                VALUES (\(UUID()), \(meeting.id), \(guest.id), 'Guest', 'attendee', 'left')
                """)
            #expect(try await storage.recordings.participated(meetingId: meeting.id, userId: guest.id))
        }
    }
}
