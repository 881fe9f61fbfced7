extension MeetSchema {
    /// Private chat messages (issue #21): to one participant, or to the
    /// hosts. Stored with their visibility, so history shows each person
    /// only what they may see (docs/signaling.md, Private messages).
    static let version7 = Migration(
        version: 7,
        name: "private chat messages",
        statements: [
            "ALTER TABLE messages ADD COLUMN recipient_participant_id uuid REFERENCES participants (id) ON DELETE CASCADE",
            "ALTER TABLE messages ADD COLUMN to_hosts boolean NOT NULL DEFAULT false",
            """
            ALTER TABLE messages ADD CONSTRAINT messages_one_recipient
                CHECK (recipient_participant_id IS NULL OR NOT to_hosts)
            """,
        ]
    )
}
