import Foundation
public import MeetDatabase

/// ``TalkTimeStore`` on `talk_seconds` (``MeetSchema``'s version 17), one
/// statement per flush however many rows (``TalkTimeSQL/merge(participantIds:minutes:seconds:)``).
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
