extension MeetSchema {
    /// Search (issue #20, docs/scheduling.md "Search") and the invitation-link
    /// secret (the fix of an email invitation taken by whoever registers the
    /// address).
    ///
    /// - Trigram (pg_trgm, a contrib extension every PostgreSQL package
    ///   ships) GIN indexes serve substring, case-insensitive `ILIKE`
    ///   searches of meeting titles, agendas and display names.
    /// - A full-text GIN index on chat bodies, with the `simple`
    ///   configuration (no stemming: chat is in any language), serves word
    ///   searches of a meeting's chat; the queries spell the indexed
    ///   expression exactly (``messageSearchVector``).
    /// - `invitations.secret_hash`: the SHA-256 of the random secret an
    ///   email invitation's link carries. An invitation by address that has
    ///   no account yet is answered only with that secret.
    /// - `users.deleted_at` is not needed: a deleted account's row is removed;
    ///   its participant rows become guest rows (a CHECK from version 1 keeps
    ///   `user_id` or `guest_id` set), its chat stays under "Deleted user".
    static let version12 = Migration(
        version: 12,
        name: "search indexes, invitation secrets",
        statements: [
            "CREATE EXTENSION IF NOT EXISTS pg_trgm",
            "CREATE INDEX meetings_title_trgm_idx ON meetings USING gin (title gin_trgm_ops)",
            "CREATE INDEX meeting_schedules_description_trgm_idx ON meeting_schedules USING gin (description gin_trgm_ops)",
            "CREATE INDEX users_display_name_trgm_idx ON users USING gin (display_name gin_trgm_ops)",
            "CREATE INDEX messages_body_fts_idx ON messages USING gin (\(messageSearchVector))",
            "ALTER TABLE invitations ADD COLUMN secret_hash text",
        ]
    )

    /// The indexed full-text expression of a chat message (`m` aliases `messages`).
    public static let messageSearchVector = "to_tsvector('simple'::regconfig, body)"
}
