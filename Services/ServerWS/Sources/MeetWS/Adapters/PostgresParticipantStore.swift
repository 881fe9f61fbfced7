import Foundation
import MeetCore
import MeetProtocol
import PostgresNIO

/// ``ParticipantStore`` on the tables of ``MeetSchema`` (owned by MeetCore,
/// migrated by meet-api at start-up).
public struct PostgresParticipantStore: ParticipantStore {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    public func standing(participantId: UUID) async throws -> ParticipantStanding? {
        let rows = try await self.database.query(
            """
            SELECT p.meeting_id, p.status, m.status FROM participants p JOIN meetings m ON m.id = p.meeting_id
            WHERE p.id = \(participantId)
            """
        )
        guard let row = rows.first else { return nil }
        let (meetingId, status, meetingStatus) = try row.decode((UUID, String, String).self)
        guard let status = ParticipantStatus(rawValue: status), let meetingStatus = MeetingStatus(rawValue: meetingStatus)
        else { throw DatabaseError.query("unknown participant or meeting status") }
        return ParticipantStanding(meetingId: meetingId, status: status, meetingStatus: meetingStatus)
    }

    public func markConnected(participantId: UUID, status: ParticipantStatus, replicaId: String) async throws {
        _ = try await self.database.query(
            """
            UPDATE participants
            SET status = \(status.rawValue), ws_node_id = \(replicaId),
                joined_at = CASE WHEN \(status.rawValue) = 'joined' THEN COALESCE(joined_at, now()) ELSE joined_at END
            WHERE id = \(participantId) AND status IN ('joining', 'waiting', 'joined')
            """
        )
    }

    public func markGone(participantId: UUID, status: ParticipantStatus) async throws {
        _ = try await self.database.query(
            """
            UPDATE participants SET status = \(status.rawValue), ws_node_id = NULL, sfu_node_id = NULL, left_at = now()
            WHERE id = \(participantId) AND status IN ('joining', 'waiting', 'joined')
            """
        )
    }

    public func markPublishing(participantId: UUID, nodeId: String?) async throws {
        _ = try await self.database.query(
            "UPDATE participants SET sfu_node_id = \(nodeId) WHERE id = \(participantId)"
        )
    }

    public func saveChat(meetingId: UUID, participant: ParticipantInfo, body: String) async throws -> ChatMessage {
        let rows = try await self.database.query(
            """
            INSERT INTO messages (meeting_id, participant_id, user_id, display_name, body)
            VALUES (\(meetingId), \(participant.id), \(participant.userId), \(participant.displayName), \(body))
            RETURNING id, created_at
            """
        )
        guard let row = rows.first else { throw DatabaseError.query("INSERT … RETURNING returned no row") }
        let (id, createdAt) = try row.decode((Int64, Date).self)
        return ChatMessage(
            id: String(id), participantId: participant.id, userId: participant.userId,
            displayName: participant.displayName, body: body, createdAt: createdAt
        )
    }

    public func endMeeting(meetingId: UUID) async throws {
        try await self.database.withTransaction { connection in
            try await connection.query(
                """
                UPDATE meetings SET status = 'ended', ended_at = COALESCE(ended_at, now()), updated_at = now()
                WHERE id = \(meetingId)
                """,
                logger: self.database.logger
            )
            try await connection.query(
                """
                UPDATE participants SET status = 'left', ws_node_id = NULL, sfu_node_id = NULL, left_at = now()
                WHERE meeting_id = \(meetingId) AND status IN ('joining', 'waiting', 'joined')
                """,
                logger: self.database.logger
            )
        }
    }
}
