import Foundation
import MeetProtocol

/// The schedules of meetings (`meeting_schedules`) and the exceptions of
/// single occurrences (`meeting_occurrence_exceptions`), docs/scheduling.md.
protocol ScheduleRepository: Sendable {
    func find(meetingId: UUID) async throws -> ScheduleRecord?
    /// Creates the schedule or replaces the series. Replacing bumps the
    /// sequence and drops the exceptions: their occurrence ids name starts
    /// of the old series. `notices` composes the ``Outbox`` of the saved
    /// schedule, written in the same transaction.
    func save(
        meetingId: UUID, _ schedule: NewSchedule, notices: @escaping @Sendable (ScheduleRecord) throws -> Outbox
    ) async throws -> Committed<ScheduleRecord>
    /// Removes the schedule and its exceptions, writing `notices` in the same
    /// transaction; false (and nothing written) when there was none.
    func delete(meetingId: UUID, notices: Outbox) async throws -> Committed<Bool>
    /// The exceptions of a schedule, by original start.
    func exceptions(meetingId: UUID) async throws -> [OccurrenceException]
    /// Stores (or replaces) the exception of one occurrence and bumps the
    /// series' sequence; `nil` when the meeting has no schedule. Throws
    /// ``ScheduleRepositoryError/tooManyExceptions`` past ``ScheduleLimits/exceptionsPerSeries``.
    /// `notices` composes the ``Outbox`` of the changed series, written in the same transaction.
    func saveException(
        meetingId: UUID, _ exception: OccurrenceException, notices: @escaping @Sendable (ScheduleRecord) throws -> Outbox
    ) async throws -> Committed<ScheduleRecord?>
    /// The active meetings `user` is a member of or has an open (pending or
    /// accepted) invitation to, whose schedule may have an occurrence
    /// overlapping `from..<to`, with their exceptions; at most `limit`
    /// series, earliest first.
    func scheduled(user: UserRecord, from: Date, to: Date, limit: Int) async throws -> [ScheduledMeeting]
    /// Every active scheduled meeting that may have an occurrence starting
    /// in `from..<to` (the reminder scan), earliest series first (by start,
    /// then meeting id), after `cursor` when given, at most `limit`; `role`
    /// is `owner`. The scan pages through them all with the cursor.
    func starting(from: Date, to: Date, after cursor: SeriesCursor?, limit: Int) async throws -> [ScheduledMeeting]
}

extension ScheduleRepository {
    /// ``save(meetingId:_:notices:)`` telling nobody.
    func save(meetingId: UUID, _ schedule: NewSchedule) async throws -> ScheduleRecord {
        try await self.save(meetingId: meetingId, schedule, notices: { _ in Outbox() }).value
    }

    /// ``delete(meetingId:notices:)`` telling nobody.
    func delete(meetingId: UUID) async throws -> Bool {
        try await self.delete(meetingId: meetingId, notices: Outbox()).value
    }

    /// ``saveException(meetingId:_:notices:)`` telling nobody.
    func saveException(meetingId: UUID, _ exception: OccurrenceException) async throws -> ScheduleRecord? {
        try await self.saveException(meetingId: meetingId, exception, notices: { _ in Outbox() }).value
    }
}

/// Where a page of ``ScheduleRepository/starting(from:to:after:limit:)`` ended.
struct SeriesCursor: Sendable, Equatable {
    var startsAt: Date
    var meetingId: UUID

    init(startsAt: Date, meetingId: UUID) {
        self.startsAt = startsAt
        self.meetingId = meetingId
    }

    init(_ series: ScheduledMeeting) {
        self.init(startsAt: series.schedule.startsAt, meetingId: series.meeting.id)
    }
}

enum ScheduleRepositoryError: Error, Sendable, Equatable {
    case tooManyExceptions
}

/// Bounds of what one schedule holds and one read expands.
enum ScheduleLimits {
    static let exceptionsPerSeries = 200
    /// Series scanned per `GET /v1/meetings/upcoming`.
    static let seriesPerUpcoming = 500
    static let descriptionCharacters = 4000
    /// The longest window a read expands.
    static let maxWindow: TimeInterval = 366 * 86_400
    /// The longest occurrence.
    static let maxDuration: TimeInterval = 7 * 86_400
}

/// A validated schedule, ready to store.
struct NewSchedule: Sendable, Equatable {
    var startsAt: Date
    var endsAt: Date
    var timeZone: String
    var description: String?
    var rule: RecurrenceRule?
}

/// A row of `meeting_schedules`.
struct ScheduleRecord: Sendable, Equatable {
    var meetingId: UUID
    var startsAt: Date
    var endsAt: Date
    /// A name ``ScheduleValidation/timeZone(_:)`` accepted.
    var timeZone: String
    var description: String?
    var rule: RecurrenceRule?
    var sequence: Int
    var updatedAt: Date

    var zone: TimeZone { TimeZone(identifier: self.timeZone) ?? TimeZone(identifier: "UTC")! }

    var expander: OccurrenceExpander {
        OccurrenceExpander(
            start: self.startsAt, duration: self.endsAt.timeIntervalSince(self.startsAt), timeZone: self.zone, rule: self.rule)
    }

    var response: ScheduleResponse {
        ScheduleResponse(
            startsAt: self.startsAt, endsAt: self.endsAt, timeZone: self.timeZone, description: self.description,
            recurrence: self.rule?.text, sequence: self.sequence, updatedAt: self.updatedAt)
    }
}

/// A row of `meeting_occurrence_exceptions`: one occurrence cancelled or moved.
struct OccurrenceException: Sendable, Equatable {
    var originalStart: Date
    var cancelled: Bool
    /// The new times of a moved occurrence (nil when only cancelled).
    var startsAt: Date?
    var endsAt: Date?
}

/// One series of `GET /v1/meetings/upcoming`.
struct ScheduledMeeting: Sendable, Equatable {
    var meeting: MeetingRecord
    var role: MemberRole
    var schedule: ScheduleRecord
    var exceptions: [OccurrenceException]
}
