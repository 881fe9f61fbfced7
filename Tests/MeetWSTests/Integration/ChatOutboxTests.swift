import Foundation
import Logging
import MeetCore
import MeetDatabase
import MeetProtocol
import MeetTestSupport
import Testing

import PostgresNIO
@testable import MeetWS

/// The chat outbox of ``PostgresParticipantStore`` against the test
/// PostgreSQL (issue #23, finding 4): a stored message stays undelivered
/// until its fan-out marks it, a claim leases each undelivered message to
/// one caller, what a caller could not publish goes back, and what a dead
/// caller held is claimed again when its lease ends.
@Suite struct ChatOutboxTests {
    /// On a database of its own: the real meet-ws processes of the cluster
    /// tests share the test PostgreSQL, and their outbox sweepers claim and
    /// deliver every meeting's undelivered messages, this test's included
    /// (two CI runs in a row lost part of the batch to them).
    @Test func undeliveredMessagesAreClaimedOnceAndCanBeGivenBack() async throws {
        try await TestPostgres.withFreshDatabase { configuration in
            try await Self.claims(on: configuration)
        }
    }

    static func claims(on configuration: DatabaseConfiguration) async throws {
        let logger = Logger(label: "test.outbox")
        let database = Database(configuration: configuration, logger: logger)
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
            let other = PostgresParticipantStore(database: database)  // a second replica
            let info = ParticipantInfo(id: participant, displayName: "P", role: .attendee, userId: nil, guest: true)
            let delivered = try await store.saveChat(meetingId: meeting, participant: info, body: "delivered")
            let pending = try await store.saveChat(meetingId: meeting, participant: info, body: "pending")
            try await store.chatsDelivered(ids: [delivered.id])

            // Other tests' messages may be in the outbox too: give those back at once.
            func claimOurs(_ store: PostgresParticipantStore, lease: Duration = .seconds(30)) async throws -> [ChatMessage] {
                let claimed = try await store.claimUndeliveredChats(minAge: .zero, lease: lease, limit: 1000)
                try await store.releaseChats(ids: claimed.filter { $0.meetingId != meeting }.map(\.message.id))
                return claimed.filter { $0.meetingId == meeting }.map(\.message)
            }
            // Another suite's claim (it sweeps every meeting's, and gives back
            // what is not its own at once) may hold ours for a moment: a claim
            // that must find something tries again for a while.
            func claimOursEventually(_ store: PostgresParticipantStore, lease: Duration = .seconds(30)) async throws -> [ChatMessage] {
                let deadline = ContinuousClock.now + .seconds(10)
                var claimed = try await claimOurs(store, lease: lease)
                while claimed.isEmpty && ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(50))
                    claimed = try await claimOurs(store, lease: lease)
                }
                return claimed
            }
            #expect(try await claimOursEventually(store) == [pending])
            #expect(try await claimOurs(other).isEmpty)  // leased to the first
            try await store.releaseChats(ids: [pending.id])
            #expect(try await claimOursEventually(other) == [pending])
            try await other.releaseChats(ids: [pending.id])

            // A claimer that dies before it publishes: its lease runs out and
            // the message is claimed again (before the lease, the claim marked
            // it delivered, and the crash lost it).
            #expect(try await claimOursEventually(store, lease: .milliseconds(200)) == [pending])
            var reclaimed: [ChatMessage] = []
            let deadline = ContinuousClock.now + .seconds(15)
            while reclaimed.isEmpty && ContinuousClock.now < deadline {
                reclaimed = try await claimOurs(other)
                if reclaimed.isEmpty { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(reclaimed == [pending])

            // Two replicas sweeping at once never both take a message.
            var batch: [ChatMessage] = []
            for index in 0..<20 { batch.append(try await store.saveChat(meetingId: meeting, participant: info, body: "m\(index)")) }
            // (Rounds until every one was taken: another suite's claim may hold some for a moment.)
            var (byOne, byTwo) = (Set<String>(), Set<String>())
            let sweepDeadline = ContinuousClock.now + .seconds(10)
            repeat {
                async let first = claimOurs(store)
                async let second = claimOurs(other)
                let (one, two) = try await (first, second)
                byOne.formUnion(one.map(\.id))
                byTwo.formUnion(two.map(\.id))
            } while byOne.union(byTwo) != Set(batch.map(\.id)) && ContinuousClock.now < sweepDeadline
            #expect(byOne.isDisjoint(with: byTwo))
            #expect(byOne.union(byTwo) == Set(batch.map(\.id)))

            // One statement marks a whole batch delivered: nothing of ours is left.
            try await store.chatsDelivered(ids: ([pending] + batch).map(\.id))
            let left = try await database.query(
                "SELECT count(*) AS n FROM messages WHERE meeting_id = \(meeting) AND undelivered")
            #expect(try left.first.map(RowColumns.init)?.decode("n", as: Int64.self) == 0)

            // Too young for the sweep: a message whose own fan-out is still on its way.
            let young = try await store.saveChat(meetingId: meeting, participant: info, body: "young")
            let claimedYoung = try await store.claimUndeliveredChats(minAge: .seconds(60), lease: .seconds(30), limit: 1000)
            #expect(!claimedYoung.contains { $0.message.id == young.id })
            try await store.releaseChats(ids: claimedYoung.map(\.message.id))

            _ = try await database.query("DELETE FROM meetings WHERE id = \(meeting)")
            _ = try await database.query("DELETE FROM users WHERE id = \(user)")
        }
    }
}
