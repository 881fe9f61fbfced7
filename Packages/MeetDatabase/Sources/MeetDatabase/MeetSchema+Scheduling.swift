extension MeetSchema {
    /// Scheduled meetings (docs/scheduling.md): one optional schedule per
    /// meeting (a single occurrence or an RFC 5545 series, expanded on read),
    /// and the exceptions of single occurrences, keyed by their original start.
    static let version8 = Migration(
        version: 8,
        name: "meeting schedules",
        statements: [
            """
            CREATE TABLE meeting_schedules (
                meeting_id uuid PRIMARY KEY REFERENCES meetings (id) ON DELETE CASCADE,
                starts_at timestamptz NOT NULL,
                ends_at timestamptz NOT NULL,
                time_zone text NOT NULL,
                description text,
                rrule text,
                sequence integer NOT NULL DEFAULT 0 CHECK (sequence >= 0),
                created_at timestamptz NOT NULL DEFAULT now(),
                updated_at timestamptz NOT NULL DEFAULT now(),
                CHECK (ends_at > starts_at)
            )
            """,
            "CREATE INDEX meeting_schedules_starts_idx ON meeting_schedules (starts_at)",
            """
            CREATE TABLE meeting_occurrence_exceptions (
                meeting_id uuid NOT NULL REFERENCES meeting_schedules (meeting_id) ON DELETE CASCADE,
                original_start timestamptz NOT NULL,
                cancelled boolean NOT NULL DEFAULT false,
                starts_at timestamptz,
                ends_at timestamptz,
                updated_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (meeting_id, original_start),
                CHECK (cancelled OR (starts_at IS NOT NULL AND ends_at > starts_at))
            )
            """,
            "CREATE INDEX meeting_occurrence_exceptions_moved_idx ON meeting_occurrence_exceptions (starts_at) WHERE starts_at IS NOT NULL",
        ]
    )
}
