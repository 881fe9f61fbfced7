extension MeetSchema {
    /// Talk time per seat (issue #20, item 6; docs/scheduling.md, "Talk
    /// time"): which wall-clock seconds each participant was heard speaking
    /// in, one row per participant and minute, bit `s` (0...59) of
    /// `seconds` set when second `s` of that minute had speech.
    ///
    /// A set of seconds rather than a running total, so that writing is
    /// idempotent: meet-ws merges what it measured with `seconds | new`
    /// (``TalkTimeSQL/merge(participantIds:minutes:seconds:)``). Two replicas
    /// that both measured a second (a socket resuming on another replica
    /// while the old one still counts, a flush retried after a timeout
    /// that did commit) set the same bit, and the report counts it once.
    /// Rows go with their seat (`ON DELETE CASCADE`).
    static let version17 = Migration(
        version: 17,
        name: "talk time",
        statements: [
            """
            CREATE TABLE talk_seconds (
                participant_id uuid NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
                minute bigint NOT NULL CHECK (minute >= 0),
                seconds bigint NOT NULL CHECK (seconds > 0 AND seconds < 1152921504606846976),
                PRIMARY KEY (participant_id, minute)
            )
            """
        ]
    )
}
