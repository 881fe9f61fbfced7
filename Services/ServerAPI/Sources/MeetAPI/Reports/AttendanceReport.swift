import Foundation
import MeetProtocol

/// A seat as the report reads it from `participants` (seated ones only).
struct AttendanceRow: Sendable, Equatable {
    var participantId: UUID
    var userId: UUID?
    var displayName: String
    var role: MemberRole
    var joinedAt: Date
    /// Nil while seated (or when a seat of an ended meeting was never closed).
    var leftAt: Date?
    /// Seconds heard speaking (`talk_seconds`, written by meet-ws).
    var talkSeconds: Int = 0
}

/// A seat of a user, with its meeting, for the per-user report.
struct ParticipationRow: Sendable, Equatable {
    var meetingId: UUID
    var code: String
    var title: String
    var meetingEndedAt: Date?
    var joinedAt: Date
    var leftAt: Date?
    var talkSeconds: Int = 0
}

/// The figures of the reports, from the seats alone: sans-I/O (the clock is
/// an input), so every rule is unit-tested.
///
/// A seat lasts from its `joinedAt` to its `leftAt`; an open one (still
/// seated) to the meeting's end, or to `now` while the meeting runs. The
/// peak is the most seats overlapping at one instant (a leave at the same
/// instant as a join is counted first, so a hand-over is not a peak of two).
/// Talk time is read as stored (a seat's seconds heard speaking) and summed
/// per meeting and per user.
enum AttendanceReport {
    static func end(of row: AttendanceRow, meetingEndedAt: Date?, now: Date) -> Date {
        max(row.joinedAt, row.leftAt ?? meetingEndedAt ?? now)
    }

    static func seconds(_ from: Date, _ to: Date) -> Int {
        max(0, Int(to.timeIntervalSince(from).rounded()))
    }

    static func entries(_ rows: [AttendanceRow], meetingEndedAt: Date?, now: Date) -> [AttendanceEntry] {
        rows.sorted { $0.joinedAt != $1.joinedAt ? $0.joinedAt < $1.joinedAt : $0.participantId.uuidString < $1.participantId.uuidString }
            .map { row in
                AttendanceEntry(
                    participantId: row.participantId, userId: row.userId, displayName: row.displayName, role: row.role,
                    joinedAt: row.joinedAt, leftAt: row.leftAt,
                    secondsPresent: Self.seconds(row.joinedAt, Self.end(of: row, meetingEndedAt: meetingEndedAt, now: now)),
                    talkSeconds: row.talkSeconds)
            }
    }

    static func peak(_ rows: [AttendanceRow], meetingEndedAt: Date?, now: Date) -> Int {
        var events: [(at: Date, delta: Int)] = []
        for row in rows {
            events.append((row.joinedAt, 1))
            events.append((Self.end(of: row, meetingEndedAt: meetingEndedAt, now: now), -1))
        }
        events.sort { $0.at != $1.at ? $0.at < $1.at : $0.delta < $1.delta }
        var current = 0
        var peak = 0
        for event in events {
            current += event.delta
            peak = max(peak, current)
        }
        return peak
    }

    /// From the first seat to the meeting's end (or now); 0 without seats.
    static func duration(_ rows: [AttendanceRow], meetingEndedAt: Date?, now: Date) -> Int {
        guard let first = rows.map(\.joinedAt).min() else { return 0 }
        let last = rows.map { Self.end(of: $0, meetingEndedAt: meetingEndedAt, now: now) }.max() ?? first
        return Self.seconds(first, max(last, meetingEndedAt ?? last))
    }

    static func meeting(
        _ meeting: MeetingRecord, rows: [AttendanceRow], chatMessages: Int, now: Date
    ) -> MeetingReport {
        MeetingReport(
            meetingId: meeting.id, code: meeting.code, title: meeting.title, createdAt: meeting.createdAt,
            endedAt: meeting.endedAt,
            durationSeconds: Self.duration(rows, meetingEndedAt: meeting.endedAt, now: now),
            peakParticipants: Self.peak(rows, meetingEndedAt: meeting.endedAt, now: now), chatMessages: chatMessages,
            attendance: Self.entries(rows, meetingEndedAt: meeting.endedAt, now: now))
    }

    /// The per-user report: seats grouped by meeting, newest first.
    static func user(_ userId: UUID, hosted: Int, seats: [ParticipationRow], now: Date) -> UserReport {
        var byMeeting: [UUID: UserMeetingEntry] = [:]
        for seat in seats {
            let end = max(seat.joinedAt, seat.leftAt ?? seat.meetingEndedAt ?? now)
            let seconds = Self.seconds(seat.joinedAt, end)
            if var entry = byMeeting[seat.meetingId] {
                entry.secondsPresent += seconds
                entry.talkSeconds += seat.talkSeconds
                entry.firstJoinedAt = min(entry.firstJoinedAt, seat.joinedAt)
                byMeeting[seat.meetingId] = entry
            } else {
                byMeeting[seat.meetingId] = UserMeetingEntry(
                    code: seat.code, title: seat.title, firstJoinedAt: seat.joinedAt, secondsPresent: seconds,
                    talkSeconds: seat.talkSeconds)
            }
        }
        let meetings = byMeeting.values.sorted { $0.firstJoinedAt > $1.firstJoinedAt }
        return UserReport(
            userId: userId, meetingsHosted: hosted, meetingsAttended: meetings.count,
            secondsInMeetings: meetings.reduce(0) { $0 + $1.secondsPresent }, meetings: meetings,
            talkSeconds: meetings.reduce(0) { $0 + $1.talkSeconds })
    }
}
