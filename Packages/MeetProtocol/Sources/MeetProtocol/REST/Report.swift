public import Foundation

/// `GET /v1/meetings/{code}/report` (owner and hosts): attendance and
/// figures of one meeting (issue #20, item 6). `?format=csv` gives the
/// attendance as CSV.
public struct MeetingReport: Codable, Sendable, Equatable {
    public var meetingId: UUID
    public var code: String
    public var title: String
    public var createdAt: Date
    public var endedAt: Date?
    /// From the first person seated to the end (or now, while it runs); 0 when nobody came.
    public var durationSeconds: Int
    /// The most people seated at once.
    public var peakParticipants: Int
    /// Chat messages stored, private ones included.
    public var chatMessages: Int
    /// One entry per seat taken (a person who left and came back has two), in order of arrival.
    public var attendance: [AttendanceEntry]
    /// The meeting's polls (issue #21) with their tallies, oldest first;
    /// voters are never named here, whatever the poll.
    public var polls: [PollView]
    /// The meeting's questions, by votes; an anonymous one names nobody.
    public var questions: [QuestionView]

    public init(
        meetingId: UUID, code: String, title: String, createdAt: Date, endedAt: Date?, durationSeconds: Int,
        peakParticipants: Int, chatMessages: Int, attendance: [AttendanceEntry], polls: [PollView] = [],
        questions: [QuestionView] = []
    ) {
        self.polls = polls
        self.questions = questions
        self.meetingId = meetingId
        self.code = code
        self.title = title
        self.createdAt = createdAt
        self.endedAt = endedAt
        self.durationSeconds = durationSeconds
        self.peakParticipants = peakParticipants
        self.chatMessages = chatMessages
        self.attendance = attendance
    }
}

/// One seat in a meeting: who, when, for how long, and how long they spoke.
public struct AttendanceEntry: Codable, Sendable, Equatable {
    public var participantId: UUID
    public var userId: UUID?
    public var displayName: String
    public var role: MemberRole
    public var joinedAt: Date
    /// Absent while the person is still in the meeting.
    public var leftAt: Date?
    public var secondsPresent: Int
    /// Seconds in which this seat was heard speaking (docs/scheduling.md,
    /// "Talk time"): whole seconds, each counted once.
    public var talkSeconds: Int

    public init(
        participantId: UUID, userId: UUID?, displayName: String, role: MemberRole, joinedAt: Date, leftAt: Date?,
        secondsPresent: Int, talkSeconds: Int = 0
    ) {
        self.talkSeconds = talkSeconds
        self.participantId = participantId
        self.userId = userId
        self.displayName = displayName
        self.role = role
        self.joinedAt = joinedAt
        self.leftAt = leftAt
        self.secondsPresent = secondsPresent
    }
}

/// `GET /v1/users/me/report`: the caller's meetings hosted and attended,
/// and time spent (`?format=csv`: one line per meeting attended).
public struct UserReport: Codable, Sendable, Equatable {
    public var userId: UUID
    /// Meetings the caller owns.
    public var meetingsHosted: Int
    /// Meetings the caller took a seat in.
    public var meetingsAttended: Int
    public var secondsInMeetings: Int
    /// Seconds the caller was heard speaking, over all those meetings.
    public var talkSeconds: Int
    /// The meetings attended, newest first, with the time present in each.
    public var meetings: [UserMeetingEntry]

    public init(
        userId: UUID, meetingsHosted: Int, meetingsAttended: Int, secondsInMeetings: Int, meetings: [UserMeetingEntry],
        talkSeconds: Int = 0
    ) {
        self.talkSeconds = talkSeconds
        self.userId = userId
        self.meetingsHosted = meetingsHosted
        self.meetingsAttended = meetingsAttended
        self.secondsInMeetings = secondsInMeetings
        self.meetings = meetings
    }
}

/// One meeting a user attended.
public struct UserMeetingEntry: Codable, Sendable, Equatable {
    public var code: String
    public var title: String
    /// The first time the user was seated in it.
    public var firstJoinedAt: Date
    public var secondsPresent: Int
    /// Seconds the user was heard speaking in it (all its seats).
    public var talkSeconds: Int

    public init(code: String, title: String, firstJoinedAt: Date, secondsPresent: Int, talkSeconds: Int = 0) {
        self.talkSeconds = talkSeconds
        self.code = code
        self.title = title
        self.firstJoinedAt = firstJoinedAt
        self.secondsPresent = secondsPresent
    }
}
