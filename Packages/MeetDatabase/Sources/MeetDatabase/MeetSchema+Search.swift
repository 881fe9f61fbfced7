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
    ///   expression exactly (``messageSearchVector``). It leads with
    ///   `meeting_id` (btree_gin, contrib too), so one meeting's matches come
    ///   straight from the index however common the word is elsewhere.
    /// - `meetings.created_at` is indexed for date-range searches of
    ///   meetings without a schedule (`meeting_schedules.starts_at` is
    ///   indexed since version 8).
    /// - `members (user_id) INCLUDE (meeting_id, role)`: an account's
    ///   meetings and roles from the index alone (an index-only scan), which
    ///   a meeting search of an account with thousands of meetings joins with
    ///   the matches.
    /// - `invitations.secret_hash`: the SHA-256 of the random secret an
    ///   email invitation's link carries. An invitation by address that has
    ///   no account yet is answered only with that secret.
    static let version13 = Migration(
        version: 13,
        name: "search indexes, invitation secrets",
        statements: [
            "CREATE EXTENSION IF NOT EXISTS pg_trgm",
            "CREATE EXTENSION IF NOT EXISTS btree_gin",
            "CREATE INDEX meetings_title_trgm_idx ON meetings USING gin (title gin_trgm_ops)",
            "CREATE INDEX meeting_schedules_description_trgm_idx ON meeting_schedules USING gin (description gin_trgm_ops)",
            "CREATE INDEX users_display_name_trgm_idx ON users USING gin (display_name gin_trgm_ops)",
            "CREATE INDEX messages_body_fts_idx ON messages USING gin (meeting_id, \(messageSearchVector))",
            "CREATE INDEX meetings_created_idx ON meetings (created_at)",
            "CREATE INDEX members_user_role_idx ON members (user_id) INCLUDE (meeting_id, role)",
            "ALTER TABLE invitations ADD COLUMN secret_hash text",
        ]
    )

    /// The indexed full-text expression of a chat message.
    public static let messageSearchVector = "to_tsvector('simple'::regconfig, body)"
}
