extension MeetSchema {
    /// The role a seat (a `participants` row) has now, as SQL over the
    /// aliases `p` (the participant), `m` (its meeting) and `mem` (its
    /// user's `members` row, LEFT JOINed): `owner` for the meeting's owner,
    /// else the member role, else `attendee`.
    ///
    /// One definition for both readers of the rule: meet-api, which updates
    /// the live seats after a membership change, and meet-ws, which checks
    /// the role before every host control.
    public static let currentSeatRoleSQL = """
        CASE WHEN p.user_id IS NOT NULL AND p.user_id = m.owner_id THEN 'owner' ELSE COALESCE(mem.role, 'attendee') END
        """
}
