import Foundation
import MeetCore
import MeetDatabase
import MeetProtocol
import PostgresNIO

/// ``ScheduleRepository`` on `meeting_schedules` and
/// `meeting_occurrence_exceptions` (``MeetSchema``, version 8).
struct PostgresScheduleRepository: ScheduleRepository {
    let database: Database

    static let columns = "s.meeting_id, s.starts_at, s.ends_at, s.time_zone, s.description, s.rrule, s.sequence, s.updated_at"

    func find(meetingId: UUID) async throws -> ScheduleRecord? {
        let rows = try await self.database.query(
            "SELECT \(unescaped: Self.columns) FROM meeting_schedules s WHERE s.meeting_id = \(meetingId)")
        return try rows.first.map(Self.decodeSchedule)
    }

    func save(
        meetingId: UUID, _ schedule: NewSchedule, notices: @escaping @Sendable (ScheduleRecord) throws -> Outbox
    ) async throws -> Committed<ScheduleRecord> {
        let logger = self.database.logger
        return try await self.database.withTransaction { connection in
            // The old series' exceptions name its starts: they go with it.
            try await connection.query(
                "DELETE FROM meeting_occurrence_exceptions WHERE meeting_id = \(meetingId)", logger: logger)
            let rows = try await connection.query(
                """
                INSERT INTO meeting_schedules AS s (meeting_id, starts_at, ends_at, time_zone, description, rrule)
                VALUES (\(meetingId), \(schedule.startsAt), \(schedule.endsAt), \(schedule.timeZone),
                        \(schedule.description), \(schedule.rule?.text))
                ON CONFLICT (meeting_id) DO UPDATE SET
                    starts_at = excluded.starts_at, ends_at = excluded.ends_at, time_zone = excluded.time_zone,
                    description = excluded.description, rrule = excluded.rrule,
                    sequence = s.sequence + 1, updated_at = now()
                RETURNING \(unescaped: Self.columns)
                """,
                logger: logger
            ).collect()
            let record = try Self.decodeSchedule(rows[0])
            return Committed(record, stored: try await PostgresOutbox.write(try notices(record), on: connection, logger: logger))
        }
    }

    func delete(meetingId: UUID, notices: Outbox) async throws -> Committed<Bool> {
        try await PostgresOutbox.delete(
            "DELETE FROM meeting_schedules WHERE meeting_id = \(meetingId) RETURNING meeting_id", notices: notices, in: self.database)
    }

    func exceptions(meetingId: UUID) async throws -> [OccurrenceException] {
        let rows = try await self.database.query(
            """
            SELECT original_start, cancelled, starts_at, ends_at FROM meeting_occurrence_exceptions
            WHERE meeting_id = \(meetingId) ORDER BY original_start
            """)
        return try rows.map(Self.decodeException)
    }

    func saveException(
        meetingId: UUID, _ exception: OccurrenceException, notices: @escaping @Sendable (ScheduleRecord) throws -> Outbox
    ) async throws -> Committed<ScheduleRecord?> {
        let logger = self.database.logger
        return try await self.database.withTransaction { connection in
            // The series row's lock orders concurrent changes of one series (count, sequence).
            let locked = try await connection.query(
                "SELECT meeting_id FROM meeting_schedules WHERE meeting_id = \(meetingId) FOR UPDATE", logger: logger
            ).collect()
            guard !locked.isEmpty else { return Committed<ScheduleRecord?>(nil) }
            let counted = try await connection.query(
                """
                SELECT count(*) AS total, bool_or(original_start = \(exception.originalStart)) AS present
                FROM meeting_occurrence_exceptions WHERE meeting_id = \(meetingId)
                """,
                logger: logger
            ).collect()
            let columns = RowColumns(counted[0])
            let total = try columns.decode("total", as: Int64.self)
            let present = try columns.decode("present", as: Bool?.self) ?? false
            if !present, total >= ScheduleLimits.exceptionsPerSeries { throw ScheduleRepositoryError.tooManyExceptions }
            try await connection.query(
                """
                INSERT INTO meeting_occurrence_exceptions (meeting_id, original_start, cancelled, starts_at, ends_at)
                VALUES (\(meetingId), \(exception.originalStart), \(exception.cancelled), \(exception.startsAt), \(exception.endsAt))
                ON CONFLICT (meeting_id, original_start) DO UPDATE SET
                    cancelled = excluded.cancelled, starts_at = excluded.starts_at, ends_at = excluded.ends_at,
                    updated_at = now()
                """,
                logger: logger)
            let rows = try await connection.query(
                """
                UPDATE meeting_schedules s SET sequence = s.sequence + 1, updated_at = now()
                WHERE s.meeting_id = \(meetingId) RETURNING \(unescaped: Self.columns)
                """,
                logger: logger
            ).collect()
            guard let record = try rows.first.map(Self.decodeSchedule) else { return Committed<ScheduleRecord?>(nil) }
            let stored = try await PostgresOutbox.write(try notices(record), on: connection, logger: logger)
            return Committed<ScheduleRecord?>(record, stored: stored)
        }
    }

    func scheduled(user: UserRecord, from: Date, to: Date, limit: Int) async throws -> [ScheduledMeeting] {
        let rows = try await self.database.query(
            """
            WITH mine AS (
                SELECT meeting_id, role FROM members WHERE user_id = \(user.id)
                UNION ALL
                SELECT i.meeting_id, i.role FROM invitations i
                WHERE i.status IN ('pending', 'accepted')
                  AND i.user_id = \(user.id)
                  AND NOT EXISTS (SELECT 1 FROM members x WHERE x.meeting_id = i.meeting_id AND x.user_id = \(user.id))
            )
            SELECT \(unescaped: PostgresMeetingRepository.columns), mb.role, \(unescaped: Self.columns)
            FROM mine mb
            JOIN meetings m ON m.id = mb.meeting_id AND m.status = 'active'
            JOIN meeting_schedules s ON s.meeting_id = m.id
            WHERE ((s.starts_at < \(to) AND (s.rrule IS NOT NULL OR s.ends_at > \(from)))
                   OR EXISTS (SELECT 1 FROM meeting_occurrence_exceptions e
                              WHERE e.meeting_id = s.meeting_id AND e.starts_at < \(to) AND e.ends_at > \(from)))
            ORDER BY s.starts_at, m.id
            LIMIT \(limit)
            """)
        return try await self.withExceptions(rows)
    }

    /// Decodes meeting + role + schedule rows and loads their exceptions in one query.
    private func withExceptions(_ rows: [PostgresRow]) async throws -> [ScheduledMeeting] {
        var result: [ScheduledMeeting] = []
        for row in rows {
            let schedule = try Self.decodeSchedule(row)
            result.append(
                ScheduledMeeting(
                    meeting: try PostgresMeetingRepository.decodeMeeting(row),
                    role: try RowColumns(row).decode("role", as: MemberRole.self), schedule: schedule, exceptions: []))
        }
        guard !result.isEmpty else { return result }
        let ids = result.map(\.meeting.id)
        let exceptionRows = try await self.database.query(
            """
            SELECT meeting_id, original_start, cancelled, starts_at, ends_at FROM meeting_occurrence_exceptions
            WHERE meeting_id = ANY(\(ids)) ORDER BY original_start
            """)
        var byMeeting: [UUID: [OccurrenceException]] = [:]
        for row in exceptionRows {
            byMeeting[try RowColumns(row).decode("meeting_id", as: UUID.self), default: []].append(try Self.decodeException(row))
        }
        return result.map { entry in
            var entry = entry
            entry.exceptions = byMeeting[entry.meeting.id] ?? []
            return entry
        }
    }

    func starting(from: Date, to: Date, after cursor: SeriesCursor?, limit: Int) async throws -> [ScheduledMeeting] {
        // No cursor: start before every series.
        let afterStart = cursor?.startsAt ?? .distantPast
        let afterId = cursor?.meetingId ?? UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
        let rows = try await self.database.query(
            """
            SELECT \(unescaped: PostgresMeetingRepository.columns), 'owner' AS role, \(unescaped: Self.columns)
            FROM meeting_schedules s JOIN meetings m ON m.id = s.meeting_id AND m.status = 'active'
            WHERE ((s.starts_at < \(to) AND (s.rrule IS NOT NULL OR s.starts_at >= \(from)))
                   OR EXISTS (SELECT 1 FROM meeting_occurrence_exceptions e
                              WHERE e.meeting_id = s.meeting_id AND e.starts_at >= \(from) AND e.starts_at < \(to)))
              AND (s.starts_at, m.id) > (\(afterStart), \(afterId))
            ORDER BY s.starts_at, m.id
            LIMIT \(limit)
            """)
        return try await self.withExceptions(rows)
    }

    // MARK: Decoding

    static func decodeSchedule(_ row: PostgresRow) throws -> ScheduleRecord {
        let columns = RowColumns(row)
        let rule = try columns.decode("rrule", as: String?.self).map { text in
            do throws(RecurrenceRuleError) {
                return try RecurrenceRule(parsing: text)
            } catch {
                throw DatabaseError.query("stored recurrence rule '\(text)' no longer parses: \(error.message)")
            }
        }
        return ScheduleRecord(
            meetingId: try columns.decode("meeting_id"), startsAt: try columns.decode("starts_at"),
            endsAt: try columns.decode("ends_at"), timeZone: try columns.decode("time_zone"),
            description: try columns.decode("description"), rule: rule,
            sequence: Int(try columns.decode("sequence", as: Int32.self)), updatedAt: try columns.decode("updated_at"))
    }

    static func decodeException(_ row: PostgresRow) throws -> OccurrenceException {
        let columns = RowColumns(row)
        return OccurrenceException(
            originalStart: try columns.decode("original_start"), cancelled: try columns.decode("cancelled"),
            startsAt: try columns.decode("starts_at"), endsAt: try columns.decode("ends_at"))
    }
}
