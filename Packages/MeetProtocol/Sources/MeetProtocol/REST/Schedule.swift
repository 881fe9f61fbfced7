public import Foundation

/// `PUT /v1/meetings/{code}/schedule`: when a meeting takes place
/// (docs/scheduling.md). Times are RFC 3339 strings (any offset, optional
/// fractional seconds), read by the server so that a bad one is a 422 that
/// names the field.
public struct ScheduleRequest: Codable, Sendable, Equatable {
    public var startsAt: String
    public var endsAt: String
    /// An IANA time zone name (`Europe/Berlin`): the zone a recurrence keeps its wall-clock time in.
    public var timeZone: String
    /// Agenda, at most 4000 code points; absent or null for none.
    public var description: String?
    /// An RFC 5545 RRULE subset (`FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10`); absent or null for a single occurrence.
    public var recurrence: String?

    public init(startsAt: String, endsAt: String, timeZone: String, description: String? = nil, recurrence: String? = nil) {
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.timeZone = timeZone
        self.description = description
        self.recurrence = recurrence
    }
}

/// A meeting's schedule as the API shows it.
public struct ScheduleResponse: Codable, Sendable, Equatable {
    public var startsAt: Date
    public var endsAt: Date
    public var timeZone: String
    public var description: String?
    /// The canonical rule text, absent for a single occurrence.
    public var recurrence: String?
    /// Bumped at every change of the series or one of its occurrences (the ICS SEQUENCE).
    public var sequence: Int
    public var updatedAt: Date

    public init(
        startsAt: Date, endsAt: Date, timeZone: String, description: String?, recurrence: String?, sequence: Int, updatedAt: Date
    ) {
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.timeZone = timeZone
        self.description = description
        self.recurrence = recurrence
        self.sequence = sequence
        self.updatedAt = updatedAt
    }
}

/// Whether an occurrence takes place as the series says, was moved, or was cancelled.
public enum OccurrenceStatus: String, Codable, Sendable, CaseIterable {
    case scheduled, moved, cancelled
}

/// One occurrence of a schedule.
public struct OccurrenceResponse: Codable, Sendable, Equatable {
    /// The original start in UTC basic form (`20261207T080000Z`), the RFC 5545
    /// RECURRENCE-ID: stable when the occurrence is moved.
    public var id: String
    public var startsAt: Date
    public var endsAt: Date
    public var status: OccurrenceStatus

    public init(id: String, startsAt: Date, endsAt: Date, status: OccurrenceStatus) {
        self.id = id
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.status = status
    }
}

/// `GET /v1/meetings/{code}/occurrences`.
public struct OccurrenceListResponse: Codable, Sendable, Equatable {
    public var items: [OccurrenceResponse]

    public init(items: [OccurrenceResponse]) {
        self.items = items
    }
}

/// `PATCH /v1/meetings/{code}/occurrences/{occurrenceId}`: moves one
/// occurrence (both times required, RFC 3339).
public struct UpdateOccurrenceRequest: Codable, Sendable, Equatable {
    public var startsAt: String
    public var endsAt: String

    public init(startsAt: String, endsAt: String) {
        self.startsAt = startsAt
        self.endsAt = endsAt
    }
}

/// One item of `GET /v1/meetings/upcoming`.
public struct UpcomingItem: Codable, Sendable, Equatable {
    public var meeting: MeetingResponse
    public var occurrence: OccurrenceResponse

    public init(meeting: MeetingResponse, occurrence: OccurrenceResponse) {
        self.meeting = meeting
        self.occurrence = occurrence
    }
}
