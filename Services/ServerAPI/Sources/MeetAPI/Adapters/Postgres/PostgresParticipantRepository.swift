import Foundation
import MeetCore
import MeetDatabase
import MeetProtocol
import PostgresNIO

/// ``ParticipantRepository`` on PostgreSQL.
struct PostgresParticipantRepository: ParticipantRepository {
    let database: Database

    private static let columns = "p.id, p.meeting_id, p.user_id, p.guest_id, p.display_name, p.role, p.status, p.created_at, p.joined_at"

    /// The liveness rule of ``ParticipantRepository``, as SQL over alias `p`.
    /// The window is a number from our own configuration, never user input,
    /// so it is written into the SQL text (the query stays one static shape).
    private static func liveCondition(window: Duration) -> String {
        let seconds = max(1, window.components.seconds)
        return """
            (p.status = 'joined'
             OR (p.status IN ('joining', 'waiting')
                 AND (p.ws_node_id IS NOT NULL OR p.created_at > now() - interval '\(seconds) seconds')))
            """
    }

    func admit(_ participant: NewParticipant, liveWindow: Duration) async throws -> AdmitResult {
        let logger = self.database.logger
        let live = Self.liveCondition(window: liveWindow)
        return try await self.database.withTransaction { connection in
            // The row lock serializes joins of one meeting, so the count below
            // cannot be raced past the capacity by concurrent joins.
            let meetings = try await connection.query(
                "SELECT status, capacity FROM meetings WHERE id = \(participant.meetingId) FOR UPDATE",
                logger: logger
            ).collect()
            guard let meeting = meetings.first else { return .notFound }
            let columns = RowColumns(meeting)
            let capacity = try columns.decode("capacity", as: Int?.self)
            guard try columns.decode("status", as: String.self) == MeetingStatus.active.rawValue else { return .ended }
            // Owners and hosts always get a seat, even past the capacity.
            if let capacity, !participant.role.bypassesCapacity {
                let counted = try await connection.query(
                    "SELECT count(*) AS live FROM participants p WHERE p.meeting_id = \(participant.meetingId) AND \(unescaped: live)",
                    logger: logger
                ).collect()
                let liveCount = try RowColumns(counted[0]).decode("live", as: Int.self)
                guard liveCount < capacity else { return .full }
            }
            let rows = try await connection.query(
                """
                INSERT INTO participants AS p
                    (id, meeting_id, user_id, guest_id, display_name, role, status, client_address, device_id)
                VALUES (\(participant.id), \(participant.meetingId), \(participant.userId), \(participant.guestId),
                        \(participant.displayName), \(participant.role.rawValue), \(participant.status.rawValue),
                        \(participant.origin.address), \(participant.origin.deviceId))
                RETURNING \(unescaped: Self.columns)
                """,
                logger: logger
            ).collect()
            return .admitted(try Self.decode(rows[0]))
        }
    }

    func listLive(meetingId: UUID, liveWindow: Duration) async throws -> [ParticipantRecord] {
        let live = Self.liveCondition(window: liveWindow)
        return try await self.database.query(
            """
            SELECT \(unescaped: Self.columns) FROM participants p
            WHERE p.meeting_id = \(meetingId) AND \(unescaped: live)
            ORDER BY p.created_at, p.id
            """
        ).map(Self.decode)
    }

    func find(id: UUID) async throws -> ParticipantRecord? {
        let rows = try await self.database.query("SELECT \(unescaped: Self.columns) FROM participants p WHERE p.id = \(id)")
        return try rows.first.map(Self.decode)
    }

    func messages(meetingId: UUID, matching text: String?, before: Int64?, limit: Int, viewer: MessageViewer) async throws
        -> [MessageRecord]
    {
        // A search collects the meeting's matching rows first, from the
        // full-text index (`hits`, materialized), then filters and pages
        // them, never going back to `messages`: left to itself the
        // planner may walk the meeting's history backwards testing each
        // message, which is fast for a common word and takes seconds for a
        // rare one in a long chat. Without a search `hits` is not referenced
        // (so not run) and the history is read as before.
        let source = text == nil ? "messages m" : "hits m"
        // The visibility rule of ``MessageViewer/sees(_:recipientUserId:)``, in SQL, and
        // a breakout room's chat for its members (meet-ws; the memory adapter has no rooms).
        let rows = try await self.database.query(
            """
            WITH hits AS MATERIALIZED (
                SELECT * FROM messages
                WHERE meeting_id = \(meetingId)
                  AND \(unescaped: MeetSchema.messageSearchVector) @@ websearch_to_tsquery('simple'::regconfig, \(text))
            )
            SELECT m.id, m.participant_id, m.user_id, m.display_name, m.body, m.created_at,
                   m.recipient_participant_id, m.to_hosts,
                   a.id AS attachment_id, a.name AS attachment_name, a.content_type AS attachment_type, a.size AS attachment_size
            FROM \(unescaped: source) LEFT JOIN participants r ON r.id = m.recipient_participant_id
                 LEFT JOIN attachments a ON a.message_id = m.id
            WHERE m.meeting_id = \(meetingId) AND (\(before)::bigint IS NULL OR m.id < \(before))
              AND ((m.recipient_participant_id IS NULL AND NOT m.to_hosts)
                   OR (\(viewer.participantId)::uuid IS NOT NULL
                       AND (m.participant_id = \(viewer.participantId) OR m.recipient_participant_id = \(viewer.participantId)))
                   OR (\(viewer.userId)::uuid IS NOT NULL AND (m.user_id = \(viewer.userId) OR r.user_id = \(viewer.userId)))
                   OR (m.to_hosts AND \(viewer.isHost)))
              -- A breakout room's message (schema 14): its room's members' and the hosts'.
              AND (m.breakout_room_id IS NULL OR \(viewer.isHost)
                   OR EXISTS (SELECT 1 FROM breakout_members bm LEFT JOIN participants bp ON bp.id = bm.participant_id
                              WHERE bm.room_id = m.breakout_room_id
                                AND (bm.participant_id = \(viewer.participantId) OR bp.user_id = \(viewer.userId))))
            ORDER BY m.id DESC
            LIMIT \(limit)
            """
        )
        return try rows.map { row in
            let columns = RowColumns(row)
            var attachment: ChatAttachment?
            if let id = try columns.decode("attachment_id", as: UUID?.self) {
                attachment = ChatAttachment(
                    id: id, name: try columns.decode("attachment_name"), contentType: try columns.decode("attachment_type"),
                    size: try columns.decode("attachment_size"))
            }
            return MessageRecord(
                id: try columns.decode("id"), participantId: try columns.decode("participant_id"),
                userId: try columns.decode("user_id"), displayName: try columns.decode("display_name"),
                body: try columns.decode("body"), createdAt: try columns.decode("created_at"),
                toParticipantId: try columns.decode("recipient_participant_id"), toHosts: try columns.decode("to_hosts"),
                attachment: attachment
            )
        }
    }

    func attendance(meetingId: UUID) async throws -> [AttendanceRow] {
        let rows = try await self.database.query(
            """
            SELECT p.id, p.user_id, p.display_name, p.role, p.joined_at, p.left_at,
                   \(unescaped: TalkTimeSQL.secondsOfSeat) AS talk_seconds
            FROM participants p
            WHERE p.meeting_id = \(meetingId) AND p.joined_at IS NOT NULL
            """
        )
        return try rows.map(RowColumns.init).map { row in
            AttendanceRow(
                participantId: try row.decode("id"), userId: try row.decode("user_id"), displayName: try row.decode("display_name"),
                role: try row.decode("role"), joinedAt: try row.decode("joined_at"), leftAt: try row.decode("left_at"),
                talkSeconds: try row.decode("talk_seconds", as: Int.self))
        }
    }

    func chatCount(meetingId: UUID) async throws -> Int {
        let rows = try await self.database.query("SELECT count(*) AS n FROM messages WHERE meeting_id = \(meetingId)")
        return try rows.first.map(RowColumns.init)?.decode("n", as: Int.self) ?? 0
    }

    func participations(userId: UUID, limit: Int) async throws -> [ParticipationRow] {
        let rows = try await self.database.query(
            """
            SELECT p.meeting_id, m.code, m.title, m.ended_at, p.joined_at, p.left_at,
                   \(unescaped: TalkTimeSQL.secondsOfSeat) AS talk_seconds
            FROM participants p JOIN meetings m ON m.id = p.meeting_id
            WHERE p.user_id = \(userId) AND p.joined_at IS NOT NULL
            ORDER BY p.joined_at DESC LIMIT \(limit)
            """
        )
        return try rows.map(RowColumns.init).map { row in
            ParticipationRow(
                meetingId: try row.decode("meeting_id"), code: try row.decode("code"), title: try row.decode("title"),
                meetingEndedAt: try row.decode("ended_at"), joinedAt: try row.decode("joined_at"), leftAt: try row.decode("left_at"),
                talkSeconds: try row.decode("talk_seconds", as: Int.self))
        }
    }

    func meetingsOwned(userId: UUID) async throws -> Int {
        let rows = try await self.database.query("SELECT count(*) AS n FROM meetings WHERE owner_id = \(userId)")
        return try rows.first.map(RowColumns.init)?.decode("n", as: Int.self) ?? 0
    }

    /// A row of ``columns`` (by name).
    static func decode(_ row: PostgresRow) throws -> ParticipantRecord {
        let columns = RowColumns(row)
        return ParticipantRecord(
            id: try columns.decode("id"), meetingId: try columns.decode("meeting_id"), userId: try columns.decode("user_id"),
            guestId: try columns.decode("guest_id"), displayName: try columns.decode("display_name"),
            role: try columns.decode("role"), status: try columns.decode("status"),
            createdAt: try columns.decode("created_at"), joinedAt: try columns.decode("joined_at")
        )
    }
}

extension MemberRole {
    /// Whether a participant with this role is admitted past the meeting's capacity.
    var bypassesCapacity: Bool { self == .owner || self == .host }
}
