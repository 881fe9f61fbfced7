extension MeetSchema {
    /// Recording storage and retention (issue #18, docs/dev/recording.md,
    /// "Storage and metadata"). A file row says which store holds it: the
    /// recorder writes `directory` (its local path) when a track ends, and
    /// moves it to `s3` (the object key) once the upload succeeded, so the
    /// row always names a copy that exists. `deleted_at` marks a recording
    /// whose files the retention job (or a host) deleted; its row stays for
    /// the record, its file rows go.
    static let version12 = Migration(
        version: 12,
        name: "recording storage and retention",
        statements: [
            """
            ALTER TABLE recording_files ADD COLUMN storage text NOT NULL DEFAULT 'directory'
                CHECK (storage IN ('directory', 's3'))
            """,
            "ALTER TABLE recordings ADD COLUMN deleted_at timestamptz",
            """
            CREATE INDEX recordings_retention_idx ON recordings (ended_at)
                WHERE deleted_at IS NULL AND status IN ('stopped', 'failed')
            """,
        ]
    )
}
