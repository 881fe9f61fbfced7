public import Foundation
import MeetCore
public import MeetDatabase
public import MeetProtocol
import PostgresNIO

/// ``ParticipantStore`` on the tables of ``MeetSchema`` (owned by MeetDatabase,
/// migrated by meet-api at start-up).
public struct PostgresParticipantStore: ParticipantStore {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// The role a participant has now, as SQL over aliases `p` (participants),
    /// `m` (meetings) and `mem` (its member row, LEFT JOINed); shared with meet-api.
    private static let currentRole = MeetSchema.currentSeatRoleSQL

    public func standing(participantId: UUID) async throws -> ParticipantStanding? {
        let rows = try await self.database.query(
            """
            SELECT p.meeting_id, p.status AS participant_status, m.status AS meeting_status,
                   \(unescaped: Self.currentRole) AS role
            FROM participants p JOIN meetings m ON m.id = p.meeting_id
            LEFT JOIN members mem ON mem.meeting_id = p.meeting_id AND mem.user_id = p.user_id
            WHERE p.id = \(participantId)
            """
        )
        guard let row = rows.first.map(RowColumns.init) else { return nil }
        return ParticipantStanding(
            meetingId: try row.decode("meeting_id"), status: try row.decode("participant_status", as: ParticipantStatus.self),
            meetingStatus: try row.decode("meeting_status", as: MeetingStatus.self), role: try row.decode("role", as: MemberRole.self))
    }

    public func takeSeat(participantId: UUID, meetingId: UUID, replicaId: String?, admitting: Bool) async throws -> SeatOutcome {
        let logger = self.database.logger
        return try await self.database.withTransaction { connection in
            // The meeting row lock serializes every seat taken in this meeting,
            // so the count below cannot be raced past the capacity.
            let meetings = try await connection.query(
                "SELECT status, capacity, waiting_room FROM meetings WHERE id = \(meetingId) FOR UPDATE", logger: logger
            ).collect()
            guard let meeting = meetings.first.map(RowColumns.init) else { return .unknown }
            let meetingStatus = try meeting.decode("status", as: MeetingStatus.self)
            let capacity = try meeting.decode("capacity", as: Int?.self)
            let waitingRoom = try meeting.decode("waiting_room", as: Bool.self)
            let participants = try await connection.query(
                """
                SELECT p.status, \(unescaped: Self.currentRole) AS role, mem.role IS NOT NULL AS is_member
                FROM participants p JOIN meetings m ON m.id = p.meeting_id
                LEFT JOIN members mem ON mem.meeting_id = p.meeting_id AND mem.user_id = p.user_id
                WHERE p.id = \(participantId) AND p.meeting_id = \(meetingId)
                """,
                logger: logger
            ).collect()
            guard let participant = participants.first.map(RowColumns.init) else { return .unknown }
            guard meetingStatus == .active else { return .ended }
            let status = try participant.decode("status", as: ParticipantStatus.self)
            let role = try participant.decode("role", as: MemberRole.self)
            let isMember = try participant.decode("is_member", as: Bool.self)
            func set(_ status: ParticipantStatus) async throws {
                try await connection.query(
                    """
                    UPDATE participants
                    SET status = \(status.rawValue), ws_node_id = COALESCE(\(replicaId), ws_node_id), role = \(role.rawValue),
                        joined_at = CASE WHEN \(status.rawValue) = 'joined' THEN COALESCE(joined_at, now()) ELSE joined_at END
                    WHERE id = \(participantId)
                    """,
                    logger: logger)
            }
            switch (status, admitting) {
            case (.joined, false):
                try await set(.joined)  // a resume: the seat is already taken
                return .joined(role)
            case (.waiting, false):
                try await set(.waiting)
                return .waiting(role)
            case (.joining, false) where waitingRoom && !isMember:
                // Not (or no longer) a member of a waiting-room meeting: wait.
                try await set(.waiting)
                return .waiting(role)
            case (.joining, false), (.waiting, true):
                if let capacity, !role.canManage {
                    let counted = try await connection.query(
                        """
                        SELECT count(*) AS live FROM participants
                        WHERE meeting_id = \(meetingId) AND status = 'joined' AND id <> \(participantId)
                        """,
                        logger: logger
                    ).collect()
                    guard let live = counted.first, try RowColumns(live).decode("live", as: Int.self) < capacity else {
                        // A waiting participant a host tried to admit keeps waiting.
                        if admitting { return .full }
                        try await connection.query(
                            """
                            UPDATE participants SET status = 'left', ws_node_id = NULL, sfu_node_id = NULL, left_at = now()
                            WHERE id = \(participantId)
                            """,
                            logger: logger)
                        return .full
                    }
                }
                try await set(.joined)
                return .joined(role)
            default:
                return .gone
            }
        }
    }

    public func kick(participantId: UUID, by: UUID) async throws {
        let logger = self.database.logger
        try await self.database.withTransaction { connection in
            try await connection.query(Self.markGone(participantId, status: .kicked), logger: logger)
            // Accounts by user id only; guests by address and device id (either matches).
            try await connection.query(
                """
                INSERT INTO meeting_bans (id, meeting_id, user_id, client_address, device_id, display_name, banned_by, participant_id)
                SELECT \(UUID()), p.meeting_id, p.user_id,
                       CASE WHEN p.user_id IS NULL THEN p.client_address END,
                       CASE WHEN p.user_id IS NULL THEN p.device_id END,
                       p.display_name, \(by), p.id
                FROM participants p JOIN meetings m ON m.id = p.meeting_id
                WHERE p.id = \(participantId) AND (p.user_id IS NOT NULL OR p.client_address IS NOT NULL OR p.device_id IS NOT NULL)
                  AND p.user_id IS DISTINCT FROM m.owner_id
                ON CONFLICT (participant_id) DO NOTHING
                """,
                logger: logger)
        }
    }

    /// Ends a live participation with `status`.
    private static func markGone(_ participantId: UUID, status: ParticipantStatus) -> PostgresQuery {
        """
        UPDATE participants SET status = \(status.rawValue), ws_node_id = NULL, sfu_node_id = NULL, left_at = now()
        WHERE id = \(participantId) AND status IN ('joining', 'waiting', 'joined')
        """
    }

    public func markGone(participantId: UUID, status: ParticipantStatus) async throws {
        _ = try await self.database.query(Self.markGone(participantId, status: status))
    }

    public func markPublishing(participantId: UUID, nodeId: String?) async throws {
        _ = try await self.database.query(
            "UPDATE participants SET sfu_node_id = \(nodeId) WHERE id = \(participantId)"
        )
    }

    public func saveChat(
        meetingId: UUID, participant: ParticipantInfo, body: String, to recipient: ChatRecipient?, attachment: UUID?
    ) async throws -> ChatMessage {
        var participantRecipient: UUID?
        if case .participant(let id)? = recipient { participantRecipient = id }
        let toParticipant = participantRecipient
        let toHosts = recipient == .hosts
        let logger = self.database.logger
        return try await self.database.withTransaction { connection in
            // The upload must be the sender's, in this meeting, and unsent; locked until the message names it.
            var file: ChatAttachment?
            if let attachment {
                let rows = try await connection.query(
                    """
                    SELECT id, name, content_type, size FROM attachments
                    WHERE id = \(attachment) AND meeting_id = \(meetingId) AND participant_id = \(participant.id)
                      AND message_id IS NULL
                    FOR UPDATE
                    """, logger: logger
                ).collect()
                guard let row = rows.first.map(RowColumns.init) else { throw ChatAttachmentUnavailable(attachmentId: attachment) }
                file = try Self.attachment(row, prefix: "")
            }
            let rows = try await connection.query(
                """
                INSERT INTO messages (meeting_id, participant_id, user_id, display_name, body, undelivered,
                                      recipient_participant_id, to_hosts)
                VALUES (\(meetingId), \(participant.id), \(participant.userId), \(participant.displayName), \(body), true,
                        \(toParticipant), \(toHosts))
                RETURNING id, created_at, breakout_room_id
                """, logger: logger
            ).collect()
            guard let row = rows.first.map(RowColumns.init) else { throw DatabaseError.query("INSERT … RETURNING returned no row") }
            let messageId = try row.decode("id", as: Int64.self)
            if let file {
                try await connection.query("UPDATE attachments SET message_id = \(messageId) WHERE id = \(file.id)", logger: logger)
            }
            var message = ChatMessage(
                id: String(messageId), participantId: participant.id, userId: participant.userId,
                displayName: participant.displayName, body: body, createdAt: try row.decode("created_at", as: Date.self),
                to: recipient
            )
            message.attachment = file
            message.breakoutRoomId = try row.decode("breakout_room_id", as: UUID?.self)
            return message
        }
    }

    public func chatsDelivered(ids: [String]) async throws {
        let rows = ids.compactMap(Int64.init)
        guard !rows.isEmpty else { return }
        _ = try await self.database.query(
            "UPDATE messages SET undelivered = false, outbox_lease_until = NULL WHERE id = ANY(\(rows)) AND undelivered")
    }

    /// One statement leases the rows (`FOR UPDATE SKIP LOCKED`, then the
    /// lease column), so replicas sweeping the outbox together never take
    /// the same message while its lease holds.
    public func claimUndeliveredChats(minAge: Duration, lease: Duration, limit: Int) async throws
        -> [(meetingId: UUID, message: ChatMessage)]
    {
        let rows = try await self.database.query(
            """
            WITH claimed AS (
                UPDATE messages SET outbox_lease_until = clock_timestamp() + make_interval(secs => \(lease.timeInterval))
                WHERE id IN (
                    SELECT id FROM messages
                    WHERE undelivered AND created_at < now() - make_interval(secs => \(minAge.timeInterval))
                        AND (outbox_lease_until IS NULL OR outbox_lease_until <= clock_timestamp())
                    ORDER BY id LIMIT \(limit) FOR UPDATE SKIP LOCKED)
                RETURNING id, meeting_id, participant_id, user_id, display_name, body, created_at, recipient_participant_id, to_hosts,
                    breakout_room_id
            )
            SELECT m.*, \(unescaped: Self.attachmentColumns)
            FROM claimed m LEFT JOIN attachments a ON a.message_id = m.id
            """
        )
        return try Self.chats(rows)
    }

    public func recentChats(meetingIds: [UUID], within: Duration, limit: Int) async throws -> [(meetingId: UUID, message: ChatMessage)] {
        guard !meetingIds.isEmpty else { return [] }
        let rows = try await self.database.query(
            """
            SELECT m.id, m.meeting_id, m.participant_id, m.user_id, m.display_name, m.body, m.created_at,
                   m.recipient_participant_id, m.to_hosts, m.breakout_room_id, \(unescaped: Self.attachmentColumns)
            FROM messages m LEFT JOIN attachments a ON a.message_id = m.id
            WHERE m.meeting_id = ANY(\(meetingIds)) AND m.created_at >= now() - make_interval(secs => \(within.timeInterval))
            ORDER BY m.id DESC LIMIT \(limit)
            """
        )
        return try Self.chats(rows)
    }

    /// Rows of `id, meeting_id, participant_id, user_id, display_name, body,
    /// created_at, recipient_participant_id, to_hosts, breakout_room_id` and ``attachmentColumns``
    /// as chat messages, oldest first.
    private static func chats(_ rows: [PostgresRow]) throws -> [(meetingId: UUID, message: ChatMessage)] {
        var chats: [(meetingId: UUID, message: ChatMessage)] = []
        for row in rows.map(RowColumns.init) {
            // The participant row is gone: nobody to attribute it to.
            guard let participantId = try row.decode("participant_id", as: UUID?.self) else { continue }
            var message = ChatMessage(
                id: String(try row.decode("id", as: Int64.self)), participantId: participantId,
                userId: try row.decode("user_id", as: UUID?.self), displayName: try row.decode("display_name", as: String.self),
                body: try row.decode("body", as: String.self), createdAt: try row.decode("created_at", as: Date.self),
                to: try Self.recipient(row))
            if try row.decode("attachment_id", as: UUID?.self) != nil {
                message.attachment = try Self.attachment(row, prefix: "attachment_")
            }
            message.breakoutRoomId = try row.decode("breakout_room_id", as: UUID?.self)
            chats.append((try row.decode("meeting_id", as: UUID.self), message))
        }
        return chats.sorted { Int64($0.message.id) ?? 0 < Int64($1.message.id) ?? 0 }
    }

    /// The file of a message, from `attachments a` joined on `message_id`.
    static let attachmentColumns =
        "a.id AS attachment_id, a.name AS attachment_name, a.content_type AS attachment_content_type, a.size AS attachment_size"

    /// An attachment from a row's `{prefix}id`, `name`, `content_type`, `size`.
    private static func attachment(_ row: RowColumns, prefix: String) throws -> ChatAttachment {
        ChatAttachment(
            id: try row.decode("\(prefix)id", as: UUID.self), name: try row.decode("\(prefix)name", as: String.self),
            contentType: try row.decode("\(prefix)content_type", as: String.self), size: try row.decode("\(prefix)size", as: Int64.self))
    }

    /// A row's private recipient (nil: the room).
    private static func recipient(_ row: RowColumns) throws -> ChatRecipient? {
        if let participant = try row.decode("recipient_participant_id", as: UUID?.self) { return .participant(participant) }
        return try row.decode("to_hosts", as: Bool.self) ? .hosts : nil
    }

    public func releaseChats(ids: [String]) async throws {
        let rows = ids.compactMap(Int64.init)
        guard !rows.isEmpty else { return }
        _ = try await self.database.query(
            "UPDATE messages SET outbox_lease_until = NULL WHERE id = ANY(\(rows)) AND undelivered")
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
