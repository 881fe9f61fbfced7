extension MeetSchema {
    /// Polls and Q&A (issue #21 items 3 and 4). A poll's row carries a
    /// `revision` bumped by every change under the row's lock, so the views
    /// replicas publish concurrently can be ordered by clients; votes and
    /// upvotes have one row per voter (the primary key makes "once each").
    static let version10 = Migration(
        version: 10,
        name: "polls and questions",
        statements: [
            """
            CREATE TABLE polls (
                id uuid PRIMARY KEY,
                meeting_id uuid NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
                created_by uuid NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
                question text NOT NULL,
                options text[] NOT NULL,
                multiple boolean NOT NULL,
                anonymous boolean NOT NULL,
                state text NOT NULL CHECK (state IN ('draft', 'open', 'closed')),
                revision integer NOT NULL DEFAULT 1,
                created_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            "CREATE INDEX polls_meeting ON polls (meeting_id, created_at)",
            """
            CREATE TABLE poll_votes (
                poll_id uuid NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
                participant_id uuid NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
                choices bigint[] NOT NULL,
                voted_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (poll_id, participant_id)
            )
            """,
            """
            CREATE TABLE questions (
                id uuid PRIMARY KEY,
                meeting_id uuid NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
                participant_id uuid NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
                asker_name text NOT NULL,
                body text NOT NULL,
                anonymous boolean NOT NULL,
                state text NOT NULL CHECK (state IN ('open', 'answered', 'dismissed')),
                revision integer NOT NULL DEFAULT 1,
                created_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            "CREATE INDEX questions_meeting ON questions (meeting_id, created_at)",
            """
            CREATE TABLE question_votes (
                question_id uuid NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
                participant_id uuid NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
                PRIMARY KEY (question_id, participant_id)
            )
            """,
        ]
    )
}
