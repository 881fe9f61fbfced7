/// `--speaker-turn-seconds`: the simulated speakers of each meeting take
/// turns, so the room's `active-speakers` changes and its fan-out can be
/// timed.
///
/// A meeting's audio publishers are its first `audioPublishers`
/// participants (``LoadPlan``). In turn `k` the `speakers` publishers from
/// position `k` on (wrapping around) are loud; each new turn one of them
/// falls silent and the next one starts. Every process of the run shares
/// one clock (``monotonicNanos()``), so a subscriber times an event against
/// the moment the turn began without any clock sync: the latency is the
/// node's smoothing and ranking round, its report to meet-ws, meet-ws's
/// merge and send interval, and the fan-out over Redis to every replica.
struct SpeakerTurns: Sendable, Equatable {
    /// Nanoseconds per turn.
    var period: UInt64
    /// When turn 0 began (the run's start).
    var start: UInt64
    var speakers: Int
    var audioPublishers: Int

    /// Turns move only when someone is left to take over.
    var rotates: Bool { speakers > 0 && audioPublishers > speakers }

    func turn(at now: UInt64) -> Int {
        now <= start ? 0 : Int((now - start) / period)
    }

    func turnStart(_ turn: Int) -> UInt64 {
        start + UInt64(turn) * period
    }

    /// Whether the publisher at `position` (0-based, in its meeting) is loud at `now`.
    func isSpeaking(position: Int, at now: UInt64) -> Bool {
        guard position < audioPublishers, speakers > 0 else { return false }
        guard rotates else { return position < speakers }
        let first = turn(at: now) % audioPublishers
        return (position - first + audioPublishers) % audioPublishers < speakers
    }

    /// The position that started speaking when `turn` began (nil for the
    /// first turn, when everyone started at once).
    func newcomer(in turn: Int) -> Int? {
        guard rotates, turn > 0 else { return nil }
        return (turn + speakers - 1) % audioPublishers
    }
}
