import Foundation
import MeetCore
import MeetDatabase
import MeetProtocol
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
