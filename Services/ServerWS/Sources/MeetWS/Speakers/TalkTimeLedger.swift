public import Foundation

/// The seconds of one participant's minute in which it was heard speaking:
/// bit `s` (0...59) set for second `s` of minute `minute` (Unix time / 60).
/// One `talk_seconds` row (MeetDatabase's `MeetSchema.version17`).
public struct TalkSecondsRow: Sendable, Hashable {
    public var participantId: UUID
    public var minute: Int64
    public var seconds: UInt64

    public init(participantId: UUID, minute: Int64, seconds: UInt64) {
        self.participantId = participantId
        self.minute = minute
        self.seconds = seconds
    }

    /// How many seconds the row holds.
    public var count: Int { self.seconds.nonzeroBitCount }
}

/// Talk time as this replica measures it, waiting to be written: sans-I/O,
/// sampled once per active-speaker round (``sample(speaking:nowMs:)``) with
/// the speakers among this replica's own sessions, emptied by each flush
/// (``take(only:)``).
///
/// Talk time is a set of wall-clock seconds, not a sum: a sample at `t`
/// marks the second `t` falls in, and each second that began since the
/// previous round (at most twice the round interval back, so one late round
/// is made up for and a stalled one is not counted as speech). Merged into
/// PostgreSQL with a bitwise OR, the same second measured twice (by two
/// replicas while a socket resumes elsewhere, or by a retried flush) counts
/// once.
///
/// Bounded: at most ``maxRows`` (participant, minute) rows wait; once full
/// (the database has been unreachable for long), seconds of new rows are
/// dropped and counted in ``dropped``.
struct TalkTimeLedger: Sendable {
    private struct Key: Hashable, Sendable {
        var participantId: UUID
        var minute: Int64
    }

    let maxSpanMs: Int64
    let maxRows: Int
    private var pending: [Key: UInt64] = [:]
    private var lastSampleMs: Int64?
    /// Seconds dropped because ``maxRows`` rows were waiting.
    private(set) var dropped = 0

    /// `interval`: the active-speaker round interval (the samples' spacing).
    init(interval: Duration, maxRows: Int = 20_000) {
        self.maxSpanMs = 2 * max(interval.milliseconds, 1)
        self.maxRows = maxRows
    }

    /// One round: `speaking` are the participants of this replica's
    /// sessions whose level is above 0 on some node now.
    mutating func sample(speaking: Set<UUID>, nowMs: Int64) {
        let span = self.lastSampleMs.map { min(max(nowMs - $0, 0), self.maxSpanMs) } ?? 0
        self.lastSampleMs = nowMs
        guard nowMs >= 0, !speaking.isEmpty else { return }
        // The second `nowMs` is in, and every second that began in (nowMs - span, nowMs].
        let last = nowMs / 1000
        let first = min(last, max(nowMs - span, 0) / 1000 + 1)
        for participantId in speaking {
            for second in first...last { self.mark(participantId, second: second) }
        }
    }

    private mutating func mark(_ participantId: UUID, second: Int64) {
        let key = Key(participantId: participantId, minute: second / 60)
        let bit = UInt64(1) << UInt64(second % 60)
        if let bits = self.pending[key] {
            self.pending[key] = bits | bit
        } else if self.pending.count < self.maxRows {
            self.pending[key] = bit
        } else {
            self.dropped += 1
        }
    }

    /// Hands over what waits (of `only` those participants, when given),
    /// in (participant, minute) order, and forgets it.
    mutating func take(only participants: Set<UUID>? = nil) -> [TalkSecondsRow] {
        var rows: [TalkSecondsRow] = []
        for (key, bits) in self.pending where participants?.contains(key.participantId) ?? true {
            rows.append(TalkSecondsRow(participantId: key.participantId, minute: key.minute, seconds: bits))
        }
        for row in rows { self.pending[Key(participantId: row.participantId, minute: row.minute)] = nil }
        return rows.sorted { ($0.participantId.uuidString, $0.minute) < ($1.participantId.uuidString, $1.minute) }
    }

    /// Takes back rows whose write failed (merged with what came since),
    /// within the bound; returns how many seconds did not fit.
    @discardableResult
    mutating func restore(_ rows: [TalkSecondsRow]) -> Int {
        var lost = 0
        for row in rows {
            let key = Key(participantId: row.participantId, minute: row.minute)
            if let bits = self.pending[key] {
                self.pending[key] = bits | row.seconds
            } else if self.pending.count < self.maxRows {
                self.pending[key] = row.seconds
            } else {
                lost += row.count
            }
        }
        self.dropped += lost
        return lost
    }

    /// Rows waiting (tests: the state stays bounded).
    var rowCount: Int { self.pending.count }
}
