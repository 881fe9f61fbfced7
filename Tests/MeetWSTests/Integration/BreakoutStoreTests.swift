import Foundation
import MeetDatabase
import MeetProtocol
import PostgresNIO
import Testing

@testable import MeetWS

/// ``PostgresBreakoutStore`` against the test PostgreSQL (issue #21 item 5):
/// assignments sent at once by two "replicas" all stay (the plan row's lock
/// serializes them), a new store (a replica started after a crash) reads
/// the same plan, the timer finds what is due, and a room message stored
/// while its sender sits in an open room carries that room (the schema's
/// trigger), a private one does not.
@Suite struct BreakoutStoreTests {
    @Test func concurrentAssignmentsStayAndRoomChatIsTagged() async throws {
        try await EngagementStoreTests.withDatabase { database in
            let (user, meeting) = (UUID(), UUID())
            _ = try await database.query(
                "INSERT INTO users (id, email, password_hash, display_name) VALUES (\(user), \("breakout-\(user)@test"), 'x', 'Owner')")
            _ = try await database.query(
                "INSERT INTO meetings (id, code, title, owner_id) VALUES (\(meeting), \("bo-\(meeting.uuidString.prefix(8))"), 'breakout', \(user))")
            let people = (0..<10).map { _ in UUID() }
            for person in people {
                _ = try await database.query(
                    """
                    INSERT INTO participants (id, meeting_id, guest_id, display_name, role, status)
                    VALUES (\(person), \(meeting), \(UUID()), 'P', 'attendee', 'joined')
                    """)
            }
            let replicas = [PostgresBreakoutStore(database: database), PostgresBreakoutStore(database: database)]
            let rooms = [BreakoutRoom(name: "Red"), BreakoutRoom(name: "Blue")]
            _ = try await replicas[0].update(meetingId: meeting) { (plan: inout BreakoutPlan) throws(BreakoutRefusal) in try plan.create(rooms) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, person) in people.enumerated() {
                    group.addTask {
                        _ = try await replicas[index % 2].update(meetingId: meeting) { (plan: inout BreakoutPlan) throws(BreakoutRefusal) in
                            try plan.assign(person, to: rooms[index % 2].id)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let opened = Date()
            let outcome = try await replicas[1].update(meetingId: meeting) { (plan: inout BreakoutPlan) throws(BreakoutRefusal) in
                try plan.open(now: opened, duration: .seconds(60))
            }
            #expect(outcome.changed && outcome.plan.assignments.count == people.count)
            // A replica started after a crash reads the same plan.
            let restarted = try await PostgresBreakoutStore(database: database).plan(meetingId: meeting)
            #expect(restarted?.assignments == outcome.plan.assignments && restarted?.status == .open)
            #expect(try await replicas[0].due(now: opened.addingTimeInterval(30), limit: 10).contains(meeting) == false)
            #expect(try await replicas[0].due(now: opened.addingTimeInterval(61), limit: 10).contains(meeting))
            // A refused transition stores nothing.
            await #expect(throws: BreakoutRefusal.self) {
                _ = try await replicas[0].update(meetingId: meeting) { (plan: inout BreakoutPlan) throws(BreakoutRefusal) in
                    try plan.create(rooms)
                }
            }

            let chats = PostgresParticipantStore(database: database)
            let speaker = ParticipantInfo(id: people[1], displayName: "P", role: .attendee, userId: nil, guest: true)
            let room = try await chats.saveChat(meetingId: meeting, participant: speaker, body: "in blue", to: nil)
            let whisper = try await chats.saveChat(meetingId: meeting, participant: speaker, body: "psst", to: .participant(people[0]))
            let rows = try await database.query(
                "SELECT id, breakout_room_id FROM messages WHERE id = ANY(\([Int64(room.id)!, Int64(whisper.id)!])) ORDER BY id")
            let tagged = try rows.map { try RowColumns($0).decode("breakout_room_id", as: UUID?.self) }
            #expect(tagged == [rooms[1].id, nil])
            // The stored room goes out with the message, live and when read back (the outbox, replays).
            #expect(room.breakoutRoomId == rooms[1].id && whisper.breakoutRoomId == nil)
            let recent = try await chats.recentChats(meetingIds: [meeting], within: .seconds(60), limit: 10)
            #expect(recent.map(\.message.breakoutRoomId) == [rooms[1].id, nil])
        }
    }
}
