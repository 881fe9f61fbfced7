extension MeetSchema {
    /// Breakout rooms (issue #21 item 5).
    ///
    /// `breakouts` holds each meeting's plan whole (``BreakoutPlan`` as
    /// JSON, written in one locked transaction by whichever replica acts),
    /// with its status and next deadline (timer or countdown) as columns so
    /// every replica's timer finds what is due with one indexed read.
    /// `breakout_assignments` mirrors the plan's assignments, and
    /// `breakout_members` keeps everyone who has ever been in a room (never
    /// deleted before the meeting): a room's chat history is its members'.
    ///
    /// A room message (no private recipient) stored while its sender sits
    /// in an open room gets that room in `breakout_room_id`, set by a
    /// trigger from `breakout_assignments` at insert, so the chat path
    /// (meet-ws's insert, the outbox) needs no change and the room is the
    /// one PostgreSQL has at that moment.
    static let version14 = Migration(
        version: 14,
        name: "breakout rooms",
        statements: [
            """
            CREATE TABLE breakouts (
                meeting_id uuid PRIMARY KEY REFERENCES meetings (id) ON DELETE CASCADE,
                plan text NOT NULL,
                status text NOT NULL,
                next_deadline timestamptz,
                updated_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            "CREATE INDEX breakouts_due ON breakouts (next_deadline) WHERE next_deadline IS NOT NULL",
            """
            CREATE TABLE breakout_assignments (
                meeting_id uuid NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
                participant_id uuid NOT NULL,
                room_id uuid NOT NULL,
                PRIMARY KEY (meeting_id, participant_id)
            )
            """,
            """
            CREATE TABLE breakout_members (
                room_id uuid NOT NULL,
                participant_id uuid NOT NULL,
                meeting_id uuid NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
                PRIMARY KEY (room_id, participant_id)
            )
            """,
            "CREATE INDEX breakout_members_participant ON breakout_members (participant_id)",
            "ALTER TABLE messages ADD COLUMN breakout_room_id uuid",
            """
            CREATE FUNCTION messages_breakout_room() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.breakout_room_id IS NULL AND NEW.recipient_participant_id IS NULL AND NOT NEW.to_hosts THEN
                    SELECT a.room_id INTO NEW.breakout_room_id
                    FROM breakout_assignments a JOIN breakouts b ON b.meeting_id = a.meeting_id
                    WHERE a.meeting_id = NEW.meeting_id AND a.participant_id = NEW.participant_id
                      AND b.status IN ('open', 'closing');
                END IF;
                RETURN NEW;
            END
            $$
            """,
            """
            CREATE TRIGGER messages_breakout_room BEFORE INSERT ON messages
                FOR EACH ROW EXECUTE FUNCTION messages_breakout_room()
            """,
        ]
    )
}
