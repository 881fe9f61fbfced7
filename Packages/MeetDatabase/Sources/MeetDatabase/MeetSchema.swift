/// The durable model of Meet, as versioned migrations.
///
/// Lives in MeetDatabase rather than in ServerAPI so that any service can
/// bring an empty database up to date (ServerAPI does at start-up).
/// Append new versions at the end; never edit a shipped one.
public enum MeetSchema {
    public static let migrations: [Migration] = [
        version1, version2, version3, version4, version5, version6, version7, version8, version9, version10, version11,
        version12, version13, version14,
        version15, version16, version17,
    ]

    /// Users, refresh tokens, meetings, members, participants, messages.
    static let version1 = Migration(
        version: 1,
        name: "initial schema",
        statements: [
            """
            CREATE TABLE users (
                id uuid PRIMARY KEY,
                email text NOT NULL,
                password_hash text NOT NULL,
                display_name text NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now(),
                updated_at timestamptz NOT NULL DEFAULT now(),
                CONSTRAINT users_email_key UNIQUE (email)
            )
            """,
            // One row per issued refresh token. Rotation marks the old row
            // `rotated_at` and adds a new one in the same family; presenting
            // a rotated token again revokes the whole family (token theft).
            """
            CREATE TABLE refresh_tokens (
                id uuid PRIMARY KEY,
                user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                family_id uuid NOT NULL,
                token_hash text NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now(),
                expires_at timestamptz NOT NULL,
                rotated_at timestamptz,
                revoked_at timestamptz,
                CONSTRAINT refresh_tokens_token_hash_key UNIQUE (token_hash)
            )
            """,
            "CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id)",
            "CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id)",
            """
            CREATE TABLE meetings (
                id uuid PRIMARY KEY,
                code text NOT NULL,
                title text NOT NULL,
                password_hash text,
                waiting_room boolean NOT NULL DEFAULT false,
                capacity integer CHECK (capacity IS NULL OR capacity > 0),
                status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'ended')),
                owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                created_at timestamptz NOT NULL DEFAULT now(),
                updated_at timestamptz NOT NULL DEFAULT now(),
                ended_at timestamptz,
                CONSTRAINT meetings_code_key UNIQUE (code)
            )
            """,
            """
            CREATE TABLE members (
                meeting_id uuid NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
                user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                role text NOT NULL CHECK (role IN ('owner', 'host', 'attendee')),
                created_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (meeting_id, user_id)
            )
            """,
            "CREATE INDEX members_user_idx ON members (user_id, created_at DESC, meeting_id)",
            // One row per join. A guest has no user but a minted guest id.
            """
            CREATE TABLE participants (
                id uuid PRIMARY KEY,
                meeting_id uuid NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
                user_id uuid REFERENCES users (id) ON DELETE SET NULL,
                guest_id uuid,
                display_name text NOT NULL,
                role text NOT NULL CHECK (role IN ('owner', 'host', 'attendee')),
                status text NOT NULL CHECK (status IN ('joining', 'waiting', 'joined', 'left', 'kicked')),
                sfu_node_id text,
                ws_node_id text,
                created_at timestamptz NOT NULL DEFAULT now(),
                joined_at timestamptz,
                left_at timestamptz,
                CHECK (user_id IS NOT NULL OR guest_id IS NOT NULL)
            )
            """,
            """
            CREATE INDEX participants_live_idx ON participants (meeting_id, created_at)
                WHERE status IN ('joining', 'waiting', 'joined')
            """,
            """
            CREATE TABLE messages (
                id bigserial PRIMARY KEY,
                meeting_id uuid NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
                participant_id uuid REFERENCES participants (id) ON DELETE SET NULL,
                user_id uuid REFERENCES users (id) ON DELETE SET NULL,
                display_name text NOT NULL,
                body text NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            "CREATE INDEX messages_meeting_idx ON messages (meeting_id, id DESC)",
        ]
    )

    /// Bans (a kick that sticks) and what a guest ban matches on.
    ///
    /// A participant row remembers the client address and the device id
    /// its REST join came with; a kick copies the user id (accounts) or the
    /// address and device id (guests) into `meeting_bans`, which REST join
    /// checks. Version 3 is reserved (another change in flight).
    static let version2 = Migration(
        version: 2,
        name: "meeting bans",
        statements: [
            "ALTER TABLE participants ADD COLUMN client_address text, ADD COLUMN device_id text",
            """
            CREATE TABLE meeting_bans (
                id uuid PRIMARY KEY,
                meeting_id uuid NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
                user_id uuid REFERENCES users (id) ON DELETE CASCADE,
                client_address text,
                device_id text,
                display_name text NOT NULL,
                banned_by uuid,
                participant_id uuid,
                created_at timestamptz NOT NULL DEFAULT now(),
                CHECK (user_id IS NOT NULL OR client_address IS NOT NULL OR device_id IS NOT NULL)
            )
            """,
            "CREATE INDEX meeting_bans_meeting_idx ON meeting_bans (meeting_id, created_at DESC)",
            "CREATE UNIQUE INDEX meeting_bans_participant_key ON meeting_bans (participant_id)",
        ]
    )

    /// The chat outbox (issue #23, finding 4): a message is stored
    /// `undelivered` and acknowledged, and marked delivered once its room
    /// fan-out went out; meet-ws replicas re-publish what stays undelivered
    /// (a Redis outage) when Redis answers again. Rows from before are
    /// delivered.
    static let version3 = Migration(
        version: 3,
        name: "chat outbox",
        statements: [
            "ALTER TABLE messages ADD COLUMN undelivered boolean NOT NULL DEFAULT false",
            "CREATE INDEX messages_outbox_idx ON messages (id) WHERE undelivered",
        ]
    )

    /// A lease on outbox rows (issue #23): the replica that claims
    /// undelivered messages holds them until `outbox_lease_until`, and marks
    /// them delivered only once it published them. While the lease holds no
    /// other replica claims them (no double delivery); when the claimer died
    /// before it published, they are claimed again after the lease ends
    /// (before, a claim marked them delivered at once, and a crash lost
    /// them).
    static let version4 = Migration(
        version: 4,
        name: "chat outbox lease",
        statements: [
            "ALTER TABLE messages ADD COLUMN outbox_lease_until timestamptz"
        ]
    )

    /// Recordings (issue #18, docs/dev/recording.md). One row per recording
    /// a host started; at most one *active* (`starting`, `recording`,
    /// `stopping`) per meeting, enforced by a partial unique index so two
    /// replicas starting at once cannot both win. A recording is written in
    /// segments (a new one each time another recorder takes the job over);
    /// `gap_ms` is the media lost between a segment and the one before.
    /// Files are per track (and later the composite), with what the API and
    /// playback need. `meetings.recording_access` says who besides the owner
    /// and hosts may play a meeting's recordings.
    static let version5 = Migration(
        version: 5,
        name: "recordings",
        statements: [
            """
            ALTER TABLE meetings ADD COLUMN recording_access text NOT NULL DEFAULT 'members'
                CHECK (recording_access IN ('hosts', 'members', 'participants'))
            """,
            """
            CREATE TABLE recordings (
                id uuid PRIMARY KEY,
                meeting_id uuid NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
                started_by uuid REFERENCES users (id) ON DELETE SET NULL,
                status text NOT NULL DEFAULT 'starting'
                    CHECK (status IN ('starting', 'recording', 'stopping', 'stopped', 'failed')),
                stop_reason text,
                created_at timestamptz NOT NULL DEFAULT now(),
                started_at timestamptz,
                ended_at timestamptz,
                expires_at timestamptz
            )
            """,
            """
            CREATE UNIQUE INDEX recordings_one_active_idx ON recordings (meeting_id)
                WHERE status IN ('starting', 'recording', 'stopping')
            """,
            "CREATE INDEX recordings_meeting_idx ON recordings (meeting_id, created_at DESC)",
            """
            CREATE TABLE recording_segments (
                recording_id uuid NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
                segment integer NOT NULL CHECK (segment >= 0),
                recorder_id text NOT NULL,
                started_at timestamptz NOT NULL DEFAULT now(),
                ended_at timestamptz,
                gap_ms bigint CHECK (gap_ms IS NULL OR gap_ms >= 0),
                PRIMARY KEY (recording_id, segment)
            )
            """,
            """
            CREATE TABLE recording_files (
                id uuid PRIMARY KEY,
                recording_id uuid NOT NULL,
                segment integer NOT NULL,
                participant_id uuid,
                track_id text NOT NULL,
                kind text NOT NULL CHECK (kind IN ('audio', 'video', 'composite')),
                codec text NOT NULL,
                storage_key text NOT NULL,
                bytes bigint NOT NULL CHECK (bytes >= 0),
                start_ms bigint NOT NULL CHECK (start_ms >= 0),
                duration_ms bigint NOT NULL CHECK (duration_ms >= 0),
                lost_packets bigint NOT NULL DEFAULT 0 CHECK (lost_packets >= 0),
                created_at timestamptz NOT NULL DEFAULT now(),
                FOREIGN KEY (recording_id, segment) REFERENCES recording_segments (recording_id, segment) ON DELETE CASCADE
            )
            """,
            "CREATE INDEX recording_files_recording_idx ON recording_files (recording_id, segment)",
        ]
    )
}
