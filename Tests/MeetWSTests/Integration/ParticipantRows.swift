import Foundation
import MeetDatabase
import MeetTestSupport
import PostgresNIO

/// Reads `participants` rows straight from the test PostgreSQL
/// (`MEET_TEST_DATABASE_URL`), for columns the REST API does not show.
enum ParticipantRows {
    /// `participants.sfu_node_id` of one participant (nil when NULL).
    static func sfuNodeId(_ participantId: UUID) async throws -> String? {
        try await TestPostgres.withDatabase(try TestPostgres.configuration()) { database in
            let rows = try await database.query("SELECT sfu_node_id FROM participants WHERE id = \(participantId)")
            return try rows.first?.decode(String?.self)
        }
    }
}
