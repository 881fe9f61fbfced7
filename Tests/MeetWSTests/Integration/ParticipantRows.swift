import Foundation
import Logging
import MeetCore
import MeetDatabase
import PostgresNIO

/// Reads `participants` rows straight from the test PostgreSQL
/// (`MEET_TEST_DATABASE_URL`), for columns the REST API does not show.
enum ParticipantRows {
    /// `participants.sfu_node_id` of one participant (nil when NULL).
    static func sfuNodeId(_ participantId: UUID) async throws -> String? {
        guard let url = ProcessInfo.processInfo.environment["MEET_TEST_DATABASE_URL"] else {
            throw ClusterError("MEET_TEST_DATABASE_URL must be set (run scripts/test)")
        }
        let database = Database(configuration: try DatabaseConfiguration(url: url), logger: Logger(label: "test.rows"))
        return try await withThrowingTaskGroup(of: String?.self) { group in
            group.addTask {
                await database.client.run()
                return nil
            }
            defer { group.cancelAll() }
            let rows = try await database.query("SELECT sfu_node_id FROM participants WHERE id = \(participantId)")
            return try rows.first?.decode(String?.self)
        }
    }
}
