extension MeetSchema {
    /// End-to-end encrypted meetings (issue #24): fixed when the meeting is
    /// created (a token minted before a change would carry the old setting,
    /// and a client let in unencrypted could publish in the clear).
    static let version6 = Migration(
        version: 6,
        name: "end-to-end encrypted meetings",
        statements: [
            "ALTER TABLE meetings ADD COLUMN e2ee boolean NOT NULL DEFAULT false"
        ]
    )
}
