extension MeetSchema {
    /// The whiteboard (issue #21, item 7; docs/signaling.md, Whiteboard).
    ///
    /// `whiteboards` is the board's authority: its row, locked for each op,
    /// hands out `seq` (`last_seq + 1`), so every op of a meeting has one
    /// place in one order, whatever replica took it. It also keeps what the
    /// bounds need: the ops and bytes stored (`op_count`, `op_bytes`) and
    /// whether only hosts may draw. `whiteboard_ops` keeps only what the
    /// board's state needs: a `clear` deletes every op before it, an `erase`
    /// deletes its target, so late joiners and exports read a bounded set.
    static let version11 = Migration(
        version: 11,
        name: "whiteboard",
        statements: [
            """
            CREATE TABLE whiteboards (
                meeting_id uuid PRIMARY KEY REFERENCES meetings (id) ON DELETE CASCADE,
                last_seq bigint NOT NULL DEFAULT 0,
                op_count integer NOT NULL DEFAULT 0,
                op_bytes bigint NOT NULL DEFAULT 0,
                locked boolean NOT NULL DEFAULT false
            )
            """,
            """
            CREATE TABLE whiteboard_ops (
                meeting_id uuid NOT NULL REFERENCES whiteboards (meeting_id) ON DELETE CASCADE,
                seq bigint NOT NULL,
                participant_id uuid NOT NULL,
                kind text NOT NULL,
                op text NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (meeting_id, seq)
            )
            """,
        ]
    )
}
