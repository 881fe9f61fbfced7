import Foundation
import MeetProtocol

/// ``ScheduleRepository`` in memory, with the rules of ``PostgresScheduleRepository``.
struct MemoryScheduleRepository: ScheduleRepository {
    let store: MemoryStore
    /// Where a change's ``Outbox`` goes, after the change (memory cannot fail in between).
    let outbox: MemoryOutbox

    func find(meetingId: UUID) async throws -> ScheduleRecord? {
        await self.store.transaction { $0.schedules[meetingId]?.record }
    }

    func save(
        meetingId: UUID, _ schedule: NewSchedule, notices: @escaping @Sendable (ScheduleRecord) throws -> Outbox
    ) async throws -> Committed<ScheduleRecord> {
        let (record, outbox) = try await self.store.transaction { tables in
            let sequence = tables.schedules[meetingId].map { $0.record.sequence + 1 } ?? 0
            let record = ScheduleRecord(
                meetingId: meetingId, startsAt: schedule.startsAt, endsAt: schedule.endsAt, timeZone: schedule.timeZone,
                description: schedule.description, rule: schedule.rule, sequence: sequence, updatedAt: Date())
            // Composed before the tables change: a failure leaves them as they were.
            let outbox = try notices(record)
            tables.schedules[meetingId] = MemoryTables.Schedule(record: record, exceptions: [:])
            return (record, outbox)
        }
        return Committed(record, stored: try await self.outbox.write(outbox))
    }

    func delete(meetingId: UUID, notices: Outbox) async throws -> Committed<Bool> {
        guard await self.store.transaction({ $0.schedules.removeValue(forKey: meetingId) != nil }) else { return Committed(false) }
        return Committed(true, stored: try await self.outbox.write(notices))
    }

    func exceptions(meetingId: UUID) async throws -> [OccurrenceException] {
        await self.store.transaction { tables in
            (tables.schedules[meetingId]?.exceptions.values).map { $0.sorted { $0.originalStart < $1.originalStart } } ?? []
        }
    }

    func saveException(
        meetingId: UUID, _ exception: OccurrenceException, notices: @escaping @Sendable (ScheduleRecord) throws -> Outbox
    ) async throws -> Committed<ScheduleRecord?> {
        let saved = try await self.store.transaction { tables -> (ScheduleRecord, Outbox)? in
            guard var schedule = tables.schedules[meetingId] else { return nil }
            if schedule.exceptions[exception.originalStart] == nil,
                schedule.exceptions.count >= ScheduleLimits.exceptionsPerSeries
            {
                throw ScheduleRepositoryError.tooManyExceptions
            }
            schedule.exceptions[exception.originalStart] = exception
            schedule.record.sequence += 1
            schedule.record.updatedAt = Date()
            let outbox = try notices(schedule.record)
            tables.schedules[meetingId] = schedule
            return (schedule.record, outbox)
        }
        guard let saved else { return Committed<ScheduleRecord?>(nil) }
        return Committed<ScheduleRecord?>(saved.0, stored: try await self.outbox.write(saved.1))
    }

    func starting(from: Date, to: Date, after cursor: SeriesCursor?, limit: Int) async throws -> [ScheduledMeeting] {
        await self.store.transaction { tables in
            tables.schedules.compactMap { meetingId, schedule -> ScheduledMeeting? in
                guard let meeting = tables.meetings[meetingId], meeting.status == .active else { return nil }
                let record = schedule.record
                let moved = schedule.exceptions.values.contains { ($0.startsAt ?? .distantPast) >= from && ($0.startsAt ?? .distantPast) < to }
                guard moved || (record.startsAt < to && (record.rule != nil || record.startsAt >= from)) else { return nil }
                let exceptions = schedule.exceptions.values.sorted { $0.originalStart < $1.originalStart }
                return ScheduledMeeting(meeting: meeting, role: .owner, schedule: record, exceptions: exceptions)
            }
            .sorted { ($0.schedule.startsAt, $0.meeting.id.uuidString) < ($1.schedule.startsAt, $1.meeting.id.uuidString) }
            .filter { series in
                cursor.map { (series.schedule.startsAt, series.meeting.id.uuidString) > ($0.startsAt, $0.meetingId.uuidString) } ?? true
            }
            .prefix(limit).map { $0 }
        }
    }

    func scheduled(user: UserRecord, from: Date, to: Date, limit: Int) async throws -> [ScheduledMeeting] {
        await self.store.transaction { tables in
            var mine: [UUID: MemberRole] = [:]
            for invitation in tables.invitations.values where invitation.status != .declined && invitation.isFor(user) {
                mine[invitation.meetingId] = invitation.role
            }
            for (key, member) in tables.members where key.userId == user.id { mine[key.meetingId] = member.role }
            return mine.compactMap { meetingId, role -> ScheduledMeeting? in
                guard let meeting = tables.meetings[meetingId], meeting.status == .active, let schedule = tables.schedules[meetingId]
                else { return nil }
                let record = schedule.record
                let moved = schedule.exceptions.values.contains { ($0.startsAt ?? .distantFuture) < to && ($0.endsAt ?? .distantPast) > from }
                guard moved || (record.startsAt < to && (record.rule != nil || record.endsAt > from)) else { return nil }
                let exceptions = schedule.exceptions.values.sorted { $0.originalStart < $1.originalStart }
                return ScheduledMeeting(meeting: meeting, role: role, schedule: record, exceptions: exceptions)
            }
            .sorted { ($0.schedule.startsAt, $0.meeting.id.uuidString) < ($1.schedule.startsAt, $1.meeting.id.uuidString) }
            .prefix(limit).map { $0 }
        }
    }
}
