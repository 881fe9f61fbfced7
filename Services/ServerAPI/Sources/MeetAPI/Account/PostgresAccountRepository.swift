import Foundation
import MeetCore
import MeetDatabase
import PostgresNIO

/// ``AccountRepository`` on PostgreSQL. The export is built by PostgreSQL
/// itself (`json_agg` per section, one statement, one snapshot).
struct PostgresAccountRepository: AccountRepository {
    let database: Database

    func export(userId: UUID, cap: Int) async throws -> Data? {
        let limit = cap + 1
        let rows = try await self.database.query(
            """
            SELECT json_build_object(
                'profile', (SELECT json_build_object('id', u.id, 'email', u.email, 'displayName', u.display_name,
                                                     'createdAt', u.created_at, 'updatedAt', u.updated_at)),
                'settings', (SELECT json_build_object('reminderMinutes', s.reminder_minutes, 'updatedAt', s.updated_at)
                             FROM user_settings s WHERE s.user_id = u.id),
                'calendarFeed', (SELECT json_build_object('createdAt', f.created_at) FROM calendar_feeds f WHERE f.user_id = u.id),
                'sessions', (SELECT json_agg(t) FROM (
                    SELECT r.created_at AS "createdAt", r.expires_at AS "expiresAt" FROM refresh_tokens r
                    WHERE r.user_id = u.id AND r.revoked_at IS NULL AND r.rotated_at IS NULL AND r.expires_at > now()
                    ORDER BY r.created_at DESC LIMIT \(limit)) t),
                'meetingsOwned', (SELECT json_agg(t) FROM (
                    SELECT m.id, m.code, m.title, m.status, m.waiting_room AS "waitingRoom", m.capacity, m.e2ee,
                           m.created_at AS "createdAt", m.ended_at AS "endedAt",
                           s.starts_at AS "startsAt", s.ends_at AS "endsAt", s.time_zone AS "timeZone",
                           s.description, s.rrule AS "recurrence"
                    FROM meetings m LEFT JOIN meeting_schedules s ON s.meeting_id = m.id
                    WHERE m.owner_id = u.id ORDER BY m.created_at DESC LIMIT \(limit)) t),
                'memberships', (SELECT json_agg(t) FROM (
                    SELECT m.code AS "meetingCode", m.title AS "meetingTitle", mb.role, mb.created_at AS "addedAt"
                    FROM members mb JOIN meetings m ON m.id = mb.meeting_id
                    WHERE mb.user_id = u.id ORDER BY mb.created_at DESC LIMIT \(limit)) t),
                'participations', (SELECT json_agg(t) FROM (
                    SELECT p.id, m.code AS "meetingCode", p.display_name AS "displayName", p.role, p.status,
                           p.client_address AS "clientAddress", p.device_id AS "deviceId",
                           p.created_at AS "createdAt", p.joined_at AS "joinedAt", p.left_at AS "leftAt",
                           \(unescaped: TalkTimeSQL.secondsOfSeat) AS "talkSeconds"
                    FROM participants p JOIN meetings m ON m.id = p.meeting_id
                    WHERE p.user_id = u.id ORDER BY p.created_at DESC LIMIT \(limit)) t),
                'messagesSent', (SELECT json_agg(t) FROM (
                    SELECT g.id::text AS id, m.code AS "meetingCode", g.display_name AS "displayName", g.body,
                           g.created_at AS "createdAt", g.recipient_participant_id AS "toParticipantId", g.to_hosts AS "toHosts"
                    FROM messages g JOIN meetings m ON m.id = g.meeting_id
                    WHERE g.user_id = u.id ORDER BY g.id DESC LIMIT \(limit)) t),
                'messagesReceived', (SELECT json_agg(t) FROM (
                    SELECT g.id::text AS id, m.code AS "meetingCode", g.display_name AS "fromDisplayName", g.body,
                           g.created_at AS "createdAt"
                    FROM messages g JOIN participants r ON r.id = g.recipient_participant_id JOIN meetings m ON m.id = g.meeting_id
                    WHERE r.user_id = u.id ORDER BY g.id DESC LIMIT \(limit)) t),
                'attachments', (SELECT json_agg(t) FROM (
                    SELECT a.id, m.code AS "meetingCode", a.name, a.content_type AS "contentType", a.size,
                           a.created_at AS "createdAt", a.message_id::text AS "messageId"
                    FROM attachments a LEFT JOIN meetings m ON m.id = a.meeting_id
                    WHERE a.user_id = u.id ORDER BY a.created_at DESC LIMIT \(limit)) t),
                'questionsAsked', (SELECT json_agg(t) FROM (
                    SELECT q.id, m.code AS "meetingCode", q.body AS text, q.anonymous, q.state, q.created_at AS "askedAt"
                    FROM questions q JOIN participants p ON p.id = q.participant_id JOIN meetings m ON m.id = q.meeting_id
                    WHERE p.user_id = u.id ORDER BY q.created_at DESC LIMIT \(limit)) t),
                'pollVotes', (SELECT json_agg(t) FROM (
                    SELECT v.poll_id AS "pollId", m.code AS "meetingCode", pl.question, v.choices, v.voted_at AS "votedAt"
                    FROM poll_votes v JOIN participants p ON p.id = v.participant_id JOIN polls pl ON pl.id = v.poll_id
                    JOIN meetings m ON m.id = pl.meeting_id
                    WHERE p.user_id = u.id ORDER BY v.voted_at DESC LIMIT \(limit)) t),
                'invitationsReceived', (SELECT json_agg(t) FROM (
                    SELECT i.id, m.code AS "meetingCode", m.title AS "meetingTitle", i.email, i.role, i.status,
                           i.created_at AS "createdAt", i.responded_at AS "respondedAt"
                    FROM invitations i JOIN meetings m ON m.id = i.meeting_id
                    WHERE i.user_id = u.id ORDER BY i.created_at DESC LIMIT \(limit)) t),
                'invitationsSent', (SELECT json_agg(t) FROM (
                    SELECT i.id, m.code AS "meetingCode", i.email, i.role, i.status, i.created_at AS "createdAt"
                    FROM invitations i JOIN meetings m ON m.id = i.meeting_id
                    WHERE i.invited_by = u.id ORDER BY i.created_at DESC LIMIT \(limit)) t),
                'notifications', (SELECT json_agg(t) FROM (
                    SELECT n.id, n.kind, n.title, n.body, n.created_at AS "createdAt", n.read_at AS "readAt"
                    FROM notifications n WHERE n.user_id = u.id ORDER BY n.created_at DESC LIMIT \(limit)) t),
                'recordings', (SELECT json_agg(t) FROM (
                    SELECT r.id, m.code AS "meetingCode", r.status, r.created_at AS "createdAt", r.started_at AS "startedAt",
                           r.ended_at AS "endedAt", r.expires_at AS "expiresAt",
                           (SELECT count(*) FROM recording_files rf WHERE rf.recording_id = r.id) AS files
                    FROM recordings r JOIN meetings m ON m.id = r.meeting_id
                    WHERE m.owner_id = u.id OR r.started_by = u.id ORDER BY r.created_at DESC LIMIT \(limit)) t),
                'bans', (SELECT json_agg(t) FROM (
                    SELECT m.code AS "meetingCode", b.display_name AS "displayName", b.created_at AS "createdAt"
                    FROM meeting_bans b JOIN meetings m ON m.id = b.meeting_id
                    WHERE b.user_id = u.id ORDER BY b.created_at DESC LIMIT \(limit)) t)
            )::text AS export
            FROM users u WHERE u.id = \(userId)
            """)
        guard let row = rows.first else { return nil }
        return Data(try RowColumns(row).decode("export", as: String.self).utf8)
    }

    func delete(userId: UUID) async throws -> AccountDeletion? {
        let logger = self.database.logger
        let name = DeletedUser.displayName
        return try await self.database.withTransaction { connection in
            let user = try await connection.query("SELECT id FROM users WHERE id = \(userId) FOR UPDATE", logger: logger).collect()
            guard !user.isEmpty else { return nil }
            // Each owned meeting: its longest-standing host becomes the owner.
            let handed = try await connection.query(
                """
                WITH heirs AS (
                    SELECT DISTINCT ON (mb.meeting_id) mb.meeting_id, mb.user_id
                    FROM members mb JOIN meetings m ON m.id = mb.meeting_id
                    WHERE m.owner_id = \(userId) AND mb.role = 'host' AND mb.user_id <> \(userId)
                    ORDER BY mb.meeting_id, mb.created_at, mb.user_id
                ), moved AS (
                    UPDATE meetings m SET owner_id = h.user_id, updated_at = now() FROM heirs h
                    WHERE m.id = h.meeting_id RETURNING m.id, m.owner_id
                ), promoted AS (
                    UPDATE members mb SET role = 'owner' FROM heirs h
                    WHERE mb.meeting_id = h.meeting_id AND mb.user_id = h.user_id RETURNING mb.meeting_id
                )
                SELECT id, owner_id FROM moved
                """,
                logger: logger
            ).collect()
            var handedOver: [UUID: UUID] = [:]
            for row in handed {
                let columns = RowColumns(row)
                handedOver[try columns.decode("id", as: UUID.self)] = try columns.decode("owner_id", as: UUID.self)
            }
            // The rest are ended here and removed with the account (ON DELETE CASCADE).
            let removed = try await connection.query(
                """
                UPDATE meetings SET status = 'ended', ended_at = COALESCE(ended_at, now()), updated_at = now()
                WHERE owner_id = \(userId) RETURNING id
                """,
                logger: logger
            ).collect().map { try RowColumns($0).decode("id", as: UUID.self) }
            // Live seats in meetings that stay: their sockets are closed after the commit.
            let leftSeats = try await connection.query(
                """
                SELECT DISTINCT p.meeting_id FROM participants p JOIN meetings m ON m.id = p.meeting_id
                WHERE p.user_id = \(userId) AND p.status IN ('joining', 'waiting', 'joined') AND m.owner_id <> \(userId)
                """,
                logger: logger
            ).collect().map { try RowColumns($0).decode("meeting_id", as: UUID.self) }
            // Seats elsewhere: left now, and kept as anonymous guest rows
            // (participants keep `user_id` or `guest_id`, a CHECK of version 1).
            try await connection.query(
                """
                UPDATE participants SET
                    guest_id = COALESCE(guest_id, gen_random_uuid()), display_name = \(name),
                    client_address = NULL, device_id = NULL,
                    status = CASE WHEN status IN ('joining', 'waiting', 'joined') THEN 'left' ELSE status END,
                    left_at = CASE WHEN status IN ('joining', 'waiting', 'joined') THEN now() ELSE left_at END
                WHERE user_id = \(userId)
                """,
                logger: logger)
            // Chat stays, under "Deleted user" (user_id is set NULL by the foreign key).
            try await connection.query("UPDATE messages SET display_name = \(name) WHERE user_id = \(userId)", logger: logger)
            // So do Q&A questions, whose asker's name was copied when asked (schema v10).
            try await connection.query(
                """
                UPDATE questions SET asker_name = \(name)
                WHERE participant_id IN (SELECT id FROM participants WHERE user_id = \(userId))
                """,
                logger: logger)
            try await connection.query("DELETE FROM users WHERE id = \(userId)", logger: logger)
            return AccountDeletion(
                handedOver: handedOver, removed: removed, leftSeats: leftSeats.sorted { $0.uuidString < $1.uuidString })
        }
    }
}
