import Foundation
public import MeetDatabase

/// ``TalkTimeStore`` on `talk_seconds` (``MeetSchema``'s version 17), one
/// statement per flush however many rows (``TalkTimeSQL/merge(participantIds:minutes:seconds:)``).
/// The rows of one call must name each (participant, minute) once, as the
/// ledger's are: PostgreSQL refuses an `INSERT … ON CONFLICT` that would
/// touch one row twice.
public struct PostgresTalkTimeStore: TalkTimeStore {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    public func merge(_ rows: [TalkSecondsRow]) async throws {
        guard !rows.isEmpty else { return }
        _ = try await self.database.query(
            TalkTimeSQL.merge(
                participantIds: rows.map(\.participantId), minutes: rows.map(\.minute),
                seconds: rows.map { Int64(bitPattern: $0.seconds) }))
    }
}
