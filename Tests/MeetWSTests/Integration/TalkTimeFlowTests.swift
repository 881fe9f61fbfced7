import Foundation
import Logging
import MeetCore
import MeetDatabase
import MeetProtocol
import MeetTestSupport
import PostgresNIO
import Testing

@testable import MeetWS

/// Talk time along the production path, on the test PostgreSQL: fake SFU
/// nodes publish audio-level reports on the bus, both in-memory replicas'
/// event routers record them, each replica's active-speaker rounds (on the
/// cluster's manual clock) sample the speakers among its own sessions, and
/// their flushes land in `talk_seconds`. The speaker's seconds are counted
/// once (by the replica holding her socket, then by the one she resumes
/// on), the quiet participant's are none.
@Suite struct TalkTimeFlowTests {
    static func withDatabase(_ body: @escaping @Sendable (Database) async throws -> Void) async throws {
        let logger = Logger(label: "test.talk-time")
        let database = Database(configuration: try TestPostgres.configuration(), logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await database.client.run() }
            defer { group.cancelAll() }
            _ = try await Migrator(migrations: MeetSchema.migrations, logger: logger).migrate(database)
            try await body(database)
        }
    }

    static func stored(_ database: Database, _ participantId: UUID) async throws -> Int {
        let rows = try await database.query(
            "SELECT \(unescaped: TalkTimeSQL.secondsOfSeat) AS n FROM participants p WHERE p.id = \(participantId)")
        return try #require(try rows.first.map { try RowColumns($0).decode("n", as: Int.self) })
    }

    @Test func levelsThroughTwoReplicasAreStoredOncePerSecond() async throws {
        try await Self.withDatabase { database in
            let (user, meeting, ann, bob) = (UUID(), UUID(), UUID(), UUID())
            _ = try await database.query(
                "INSERT INTO users (id, email, password_hash, display_name) VALUES (\(user), \("talk-\(user)@test"), 'x', 'Ann')")
            _ = try await database.query(
                "INSERT INTO meetings (id, code, title, owner_id) VALUES (\(meeting), \("tk-\(meeting.uuidString.prefix(8))"), 'talk', \(user))")
            for (id, name) in [(ann, "Ann"), (bob, "Bob")] {
                _ = try await database.query(
                    """
                    INSERT INTO participants (id, meeting_id, guest_id, display_name, role, status, joined_at)
                    VALUES (\(id), \(meeting), \(UUID()), \(name), 'attendee', 'joined', now())
                    """)
            }
            let cluster = try await InMemoryReplicas(count: 2, talkTime: PostgresTalkTimeStore(database: database))
            defer { cluster.stop() }
            let annSocket = try await cluster.joined(replica: 0, meetingId: meeting, participantId: ann, name: "ann")
            _ = try await cluster.joined(replica: 1, meetingId: meeting, participantId: bob, name: "bob")
            let node = try await cluster.addNode("n1")
            /// `count` rounds 250 ms apart on both replicas, as their services would run them.
            func rounds(_ count: Int) async throws {
                for _ in 0..<count {
                    await cluster.speakers(on: 0)
                    await cluster.speakers(on: 1)
                    try await cluster.settle()
                    cluster.advance(by: .milliseconds(250))
                }
            }
            func flush() async {
                for replica in cluster.replicas { #expect(await replica.talk.flush()) }
            }

            // The clock starts at 1 000 s. Ann speaks for 4 s (the node
            // refreshes its report every 2 s); Bob's level never shows.
            try await node.reportLevels(room: meeting, [(ann, 60)])
            try await cluster.settle()
            try await rounds(8)
            try await node.reportLevels(room: meeting, [(ann, 65)])
            try await cluster.settle()
            try await rounds(8)
            try await node.reportLevels(room: meeting, [])
            try await cluster.settle()
            try await rounds(4)
            await flush()
            #expect(try await Self.stored(database, ann) == 4, "seconds 1000 ... 1003")
            #expect(try await Self.stored(database, bob) == 0)

            // Ann's socket drops; she resumes on replica 1 at 1 010 s and speaks for 3 s more.
            annSocket.drop()
            try await cluster.settle()
            cluster.advance(by: .seconds(5))
            let again = await cluster.connect(replica: 1, meetingId: meeting, participantId: ann, status: .joined, name: "ann")
            await again.send(.join)
            #expect(try await again.waitFor("joined").snapshot?.resumed == true)
            try await node.reportLevels(room: meeting, [(ann, 70)])
            try await cluster.settle()
            try await rounds(12)
            try await node.reportLevels(room: meeting, [])
            try await cluster.settle()
            try await rounds(2)
            // Flushed twice: the second has nothing pending and changes nothing (a retry of the
            // same rows, merged by OR, is TalkTimeReportTests' case).
            await flush()
            await flush()
            #expect(try await Self.stored(database, ann) == 7, "and 1010 ... 1012")
            #expect(try await Self.stored(database, bob) == 0)
            #expect(cluster.replicas.allSatisfy { $0.talk.pendingRows == 0 })
        }
    }
}
