import Foundation
import Logging
import MeetCore
import MeetDatabase
import MeetProtocol
import MeetTestSupport
import Testing

import PostgresNIO
@testable import MeetWS

/// ``PostgresWhiteboardStore`` against the test PostgreSQL: two replicas
/// appending at once get one gapless order from the board's row, the
/// bounds and compaction hold, and what is stored reads back the same.
@Suite struct WhiteboardStoreTests {
    @Test func concurrentAppendsGetOneOrderAndTheBoardReadsBack() async throws {
        let logger = Logger(label: "test.whiteboard")
        let database = Database(configuration: try TestPostgres.configuration(), logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await database.client.run() }
            defer { group.cancelAll() }
            _ = try await Migrator(migrations: MeetSchema.migrations, logger: logger).migrate(database)
            let (user, meeting, who) = (UUID(), UUID(), UUID())
            _ = try await database.query(
                "INSERT INTO users (id, email, password_hash, display_name) VALUES (\(user), \("wb-\(user)@test"), 'x', 'Owner')")
            _ = try await database.query(
                """
                INSERT INTO meetings (id, code, title, owner_id)
                VALUES (\(meeting), \("wb-\(meeting.uuidString.prefix(8))"), 'whiteboard', \(user))
                """)
            let one = PostgresWhiteboardStore(database: database)
            let two = PostgresWhiteboardStore(database: database)  // a second replica
            let limits = WhiteboardLimits(maxOps: 24, maxBytes: 1 << 20)
            let stroke = WhiteboardOp(kind: .stroke, points: [1, 2, 3, 4], color: "#00ff00")

            let seqs = try await withThrowingTaskGroup(of: Int64.self) { appends in
                for index in 0..<20 {
                    let store = index.isMultiple(of: 2) ? one : two
                    appends.addTask {
                        try await store.append(meetingId: meeting, participantId: who, op: stroke, asHost: false, limits: limits).get().seq
                    }
                }
                return try await appends.reduce(into: []) { $0.append($1) }
            }
            #expect(seqs.sorted() == Array(1...20))

            let text = WhiteboardOp(kind: .text, points: [5, 5], text: "<&\"'>", size: 30)
            #expect(try await one.append(meetingId: meeting, participantId: who, op: text, asHost: false, limits: limits).get().seq == 21)
            #expect(try await two.append(
                meetingId: meeting, participantId: who, op: WhiteboardOp(kind: .erase, target: 4), asHost: false, limits: limits
            ).get().seq == 22)
            #expect(try await one.append(
                meetingId: meeting, participantId: who, op: WhiteboardOp(kind: .erase, target: 4), asHost: false, limits: limits) == .failure(.noTarget))
            #expect(try await one.append(meetingId: meeting, participantId: who, op: WhiteboardOp(kind: .lock), asHost: true, limits: limits).get().seq == 23)
            #expect(try await two.append(meetingId: meeting, participantId: who, op: stroke, asHost: false, limits: limits) == .failure(.locked))
            for _ in 0..<2 { _ = try await two.append(meetingId: meeting, participantId: who, op: stroke, asHost: true, limits: limits).get() }
            #expect(try await two.append(meetingId: meeting, participantId: who, op: stroke, asHost: true, limits: limits) == .failure(.full))

            let state = try await two.state(meetingId: meeting, since: nil)
            #expect(state.full && state.seq == 25 && state.locked && state.ops.count == 25 - 1)  // seq 4 erased
            #expect(state.ops.first { $0.seq == 21 }?.op == text)
            #expect(try await one.state(meetingId: meeting, since: 23).ops.map(\.seq) == [24, 25])

            #expect(try await one.append(meetingId: meeting, participantId: who, op: WhiteboardOp(kind: .clear), asHost: true, limits: limits).get().seq == 26)
            let cleared = try await one.state(meetingId: meeting, since: nil)
            #expect(cleared.ops.map(\.seq) == [26] && cleared.locked)
            #expect(try await one.append(meetingId: meeting, participantId: who, op: stroke, asHost: true, limits: limits).get().seq == 27)
            #expect(try await one.state(meetingId: UUID(), since: nil) == WhiteboardStateData(ops: [], seq: 0, locked: false, full: true))
        }
    }
}
