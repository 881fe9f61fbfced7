extension MeetSchema {
    /// Invitations, the job table (outbox for email and reminders), in-app
    /// notifications, secret calendar feeds and per-user reminder settings (docs/scheduling.md,
    /// docs/operations.md "Jobs and email").
    static let version9 = Migration(
        version: 9,
        name: "invitations, jobs, notifications, calendar feeds",
        statements: [
            // One invitation per (meeting, email); `user_id` is set when the
            // email belongs to an account (at invite time, or when an account
            // with it answers).
            """
            CREATE TABLE invitations (
                id uuid PRIMARY KEY,
                meeting_id uuid NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
                email text NOT NULL,
                user_id uuid REFERENCES users (id) ON DELETE CASCADE,
                role text NOT NULL DEFAULT 'attendee' CHECK (role IN ('host', 'attendee')),
                status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'declined')),
                invited_by uuid REFERENCES users (id) ON DELETE SET NULL,
                created_at timestamptz NOT NULL DEFAULT now(),
                responded_at timestamptz,
                CONSTRAINT invitations_meeting_email_key UNIQUE (meeting_id, email)
            )
            """,
            "CREATE INDEX invitations_user_idx ON invitations (user_id) WHERE user_id IS NOT NULL",
            "CREATE INDEX invitations_email_idx ON invitations (email)",
            // Claimed with FOR UPDATE SKIP LOCKED under a lease (locked_until):
            // one replica runs a job at a time; a replica that dies leaves the
            // lease to expire and another takes the job over.
            """
            CREATE TABLE jobs (
                id bigserial PRIMARY KEY,
                kind text NOT NULL,
                payload jsonb NOT NULL,
                dedupe_key text,
                run_at timestamptz NOT NULL DEFAULT now(),
                attempts integer NOT NULL DEFAULT 0,
                locked_by text,
                locked_until timestamptz,
                last_error text,
                done_at timestamptz,
                failed_at timestamptz,
                created_at timestamptz NOT NULL DEFAULT now(),
                CONSTRAINT jobs_dedupe_key UNIQUE (dedupe_key)
            )
            """,
            "CREATE INDEX jobs_due_idx ON jobs (run_at, id) WHERE done_at IS NULL AND failed_at IS NULL",
            """
            CREATE TABLE notifications (
                id uuid PRIMARY KEY,
                user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                kind text NOT NULL,
                meeting_id uuid REFERENCES meetings (id) ON DELETE CASCADE,
                title text NOT NULL,
                body text NOT NULL,
                dedupe_key text,
                created_at timestamptz NOT NULL DEFAULT now(),
                read_at timestamptz,
                CONSTRAINT notifications_dedupe_key UNIQUE (dedupe_key)
            )
            """,
            "CREATE INDEX notifications_user_idx ON notifications (user_id, created_at DESC, id)",
            // One secret calendar feed per user, stored by the SHA-256 of its
            // token; rotating replaces the row, so the old URL stops working.
            """
            CREATE TABLE calendar_feeds (
                user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
                token_hash text NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now(),
                CONSTRAINT calendar_feeds_token_hash_key UNIQUE (token_hash)
            )
            """,
            """
            CREATE TABLE user_settings (
                user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
                reminder_minutes integer CHECK (reminder_minutes IS NULL OR reminder_minutes BETWEEN 0 AND 10080),
                updated_at timestamptz NOT NULL DEFAULT now()
            )
            """,
        ]
    )
}
