import Foundation
import Logging
import MeetCore
import MeetDatabase
import MeetProtocol
import Testing

import PostgresNIO
@testable import MeetWS

/// The chat outbox of ``PostgresParticipantStore`` against the test
/// PostgreSQL (issue #23, finding 4): a stored message stays undelivered
/// until its fan-out marks it, a claim hands each undelivered message to
/// one caller, and what a caller could not publish goes back.
@Suite struct ChatOutboxTests {
    @Test func undeliveredMessagesAreClaimedOnceAndCanBeGivenBack() async throws {
        guard let url = ProcessInfo.processInfo.environment["MEET_TEST_DATABASE_URL"], !url.isEmpty else {
            Issue.record("MEET_TEST_DATABASE_URL is not set: run the tests through scripts/test")
            return
        }
        let logger = Logger(label: "test.outbox")
        let database = Database(configuration: try DatabaseConfiguration(url: url), logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await database.client.run() }
            defer { group.cancelAll() }
            _ = try await Migrator(migrations: MeetSchema.migrations, logger: logger).migrate(database)
            let (user, meeting, participant) = (UUID(), UUID(), UUID())
            _ = try await database.query(
                """
                INSERT INTO users (id, email, password_hash, display_name)
                VALUES (\(user), \("outbox-\(user)@test"), 'x', 'Owner')
                """)
            _ = try await database.query(
                """
                INSERT INTO meetings (id, code, title, owner_id)
                VALUES (\(meeting), \("ob-\(meeting.uuidString.prefix(8))"), 'outbox', \(user))
                """)
            _ = try await database.query(
                """
                INSERT INTO participants (id, meeting_id, guest_id, display_name, role, status)
                VALUES (\(participant), \(meeting), \(UUID()), 'P', 'attendee', 'joined')
                """)
            let store = PostgresParticipantStore(database: database)
            let info = ParticipantInfo(id: participant, displayName: "P", role: .attendee, userId: nil, guest: true)
            let delivered = try await store.saveChat(meetingId: meeting, participant: info, body: "delivered")
            let pending = try await store.saveChat(meetingId: meeting, participant: info, body: "pending")
            try await store.chatDelivered(id: delivered.id)

            // Other tests' messages may be in the outbox too: give those back at once.
            func claimOurs() async throws -> [ChatMessage] {
                let claimed = try await store.claimUndeliveredChats(minAge: .zero, limit: 1000)
                let foreign = claimed.filter { $0.meetingId != meeting }.map(\.message.id)
                try await store.returnToOutbox(ids: foreign)
                return claimed.filter { $0.meetingId == meeting }.map(\.message)
            }
            #expect(try await claimOurs() == [pending])
            #expect(try await claimOurs().isEmpty)  // claimed once
            try await store.returnToOutbox(ids: [pending.id])
            #expect(try await claimOurs() == [pending])
            // Too young for the sweep: a message whose own fan-out is still on its way.
            let young = try await store.saveChat(meetingId: meeting, participant: info, body: "young")
            let claimedYoung = try await store.claimUndeliveredChats(minAge: .seconds(60), limit: 1000)
            #expect(!claimedYoung.contains { $0.message.id == young.id })
            try await store.returnToOutbox(ids: claimedYoung.map(\.message.id))

            _ = try await database.query("DELETE FROM meetings WHERE id = \(meeting)")
            _ = try await database.query("DELETE FROM users WHERE id = \(user)")
        }
    }
}
