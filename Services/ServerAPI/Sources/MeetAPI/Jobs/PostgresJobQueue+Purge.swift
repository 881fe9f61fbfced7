import Foundation
import MeetDatabase
import PostgresNIO

extension PostgresJobQueue {
    func purgeDone(kind: String, before: Date) async throws -> Int {
        let rows = try await self.database.query(
            "DELETE FROM jobs WHERE kind = \(kind) AND done_at IS NOT NULL AND done_at < \(before) RETURNING id")
        return rows.count
    }
}
