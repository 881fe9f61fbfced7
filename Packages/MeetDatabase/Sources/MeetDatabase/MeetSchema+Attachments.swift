extension MeetSchema {
    /// Files attached to chat messages (issue #21, item 6; docs/signaling.md,
    /// "File sharing"). The bytes are in the recording store (a directory or
    /// S3) under `storage_key`; the row says where, what, and whose.
    ///
    /// meet-api inserts the row once the upload is stored (`message_id`
    /// NULL); meet-ws sets `message_id` when the sender's `chat` names it, in
    /// the message's transaction. The foreign keys only ever set NULL, never
    /// cascade: a row must outlive its meeting (removed with its owner's
    /// account) or its message, so that meet-api's sweep can delete its
    /// object first and the row after (`message_id IS NULL` and a removed
    /// meeting, or never sent). The sender's account going keeps the file
    /// with its message, as chat keeps the text (docs/operations.md).
    static let version15 = Migration(
        version: 15,
        name: "chat attachments",
        statements: [
            """
            CREATE TABLE attachments (
                id uuid PRIMARY KEY,
                meeting_id uuid REFERENCES meetings (id) ON DELETE SET NULL,
                participant_id uuid REFERENCES participants (id) ON DELETE SET NULL,
                user_id uuid REFERENCES users (id) ON DELETE SET NULL,
                message_id bigint UNIQUE REFERENCES messages (id) ON DELETE SET NULL,
                name text NOT NULL,
                content_type text NOT NULL,
                size bigint NOT NULL CHECK (size >= 0),
                storage text NOT NULL CHECK (storage IN ('directory', 's3')),
                storage_key text NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            // The sweep's candidates: unsent, or their message or meeting gone.
            "CREATE INDEX attachments_unsent_idx ON attachments (created_at) WHERE message_id IS NULL",
            "CREATE INDEX attachments_user_idx ON attachments (user_id)",
        ]
    )

    /// The meeting's files by meeting: the upload's total
    /// (`MEET_ATTACHMENT_MEETING_MAX_BYTES`) sums them under the meeting
    /// row's lock, which must not scan every meeting's files.
    static let version16 = Migration(
        version: 16,
        name: "attachments by meeting",
        statements: [
            "CREATE INDEX attachments_meeting_idx ON attachments (meeting_id)"
        ]
    )
}
