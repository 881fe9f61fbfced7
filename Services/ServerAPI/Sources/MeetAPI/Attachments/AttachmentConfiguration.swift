public import MeetCore

/// Chat attachments (docs/configuration.md, docs/signaling.md "File
/// sharing"). Their bytes go where recordings go (``RecordingStorageConfiguration``:
/// `MEET_RECORDING_DIR`, or S3 with `MEET_RECORDING_STORAGE=s3`), under
/// `attachments/{meeting id}/{attachment id}`.
public struct AttachmentConfiguration: Sendable, Equatable {
    /// The largest file accepted (`MEET_ATTACHMENT_MAX_BYTES`, default 25 MiB); larger gets 413.
    public var maxBytes: Int64
    /// What one meeting's files may total, sent or not yet swept
    /// (`MEET_ATTACHMENT_MEETING_MAX_BYTES`, default 1 GiB); an upload past it gets 413.
    public var meetingMaxBytes: Int64
    /// Uploads one participant may make per minute (`MEET_ATTACHMENT_RATE_LIMIT`, default 10).
    public var perMinute: Int
    /// How often a replica asks for the cleanup sweep (`MEET_ATTACHMENT_SWEEP_SECONDS`, default 600).
    public var sweepInterval: Duration

    public init(
        maxBytes: Int64 = 25 << 20, meetingMaxBytes: Int64 = 1 << 30, perMinute: Int = 10, sweepInterval: Duration = .seconds(600)
    ) {
        self.maxBytes = maxBytes
        self.meetingMaxBytes = meetingMaxBytes
        self.perMinute = perMinute
        self.sweepInterval = sweepInterval
    }

    public init(environment: EnvironmentReader) throws(ConfigurationError) {
        self.init(
            maxBytes: Int64(try environment.int("MEET_ATTACHMENT_MAX_BYTES", default: 25 << 20, in: 1...(4 << 30))),
            meetingMaxBytes: Int64(try environment.int("MEET_ATTACHMENT_MEETING_MAX_BYTES", default: 1 << 30, in: 1...(1 << 44))),
            perMinute: try environment.int("MEET_ATTACHMENT_RATE_LIMIT", default: 10, in: 1...1_000_000),
            sweepInterval: try environment.seconds("MEET_ATTACHMENT_SWEEP_SECONDS", default: 600, in: 1...86_400))
    }
}
