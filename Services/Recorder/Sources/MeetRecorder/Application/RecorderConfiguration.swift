import Foundation
public import MeetCore
public import MeetStorage

/// Everything meet-recorder reads from its environment (docs/configuration.md).
/// Like meet-sfu it needs no JWT key: jobs and their join tokens come over
/// the bus (docs/dev/recording.md). The database is optional: it is where
/// the recorder writes what it recorded.
public struct RecorderConfiguration: ServiceSettings {
    public var mode: DeploymentMode
    public var logging: LoggingConfiguration
    /// `/healthz`, `/readyz`, `/metrics` (`MEET_HTTP_PORT`, default 8095).
    public var http: HTTPConfiguration
    /// This recorder's id in logs and job claims (`MEET_RECORDER_ID`, default the host name).
    public var recorderId: String
    /// The directory store's root (`MEET_RECORDING_DIR`, default `recordings`).
    public var directory: String
    /// The media pipeline's reorder window and keyframe retry (`MEET_RECORDING_REORDER_PACKETS`,
    /// `MEET_RECORDING_REORDER_DELAY_MS`, `MEET_RECORDING_KEYFRAME_RETRY_MS`).
    public var tuning: RecordingTuning
    /// Where jobs come from (`MEET_REDIS_URL`); unset: this recorder takes no jobs.
    public var redisURL: String?
    /// The key and channel prefix shared with meet-ws and meet-api (`MEET_WS_KEY_PREFIX`).
    public var keyPrefix: String
    /// How long a job claim lasts without renewal (`MEET_RECORDING_JOB_LEASE_MS`): a dead
    /// recorder's job is free again after it.
    public var jobLease: Duration
    /// Most recordings at once (`MEET_RECORDING_MAX_JOBS`).
    public var maxJobs: Int
    /// Where the recorder writes what it records (`MEET_DATABASE_URL` and the
    /// pool settings); unset: no metadata is written.
    public var database: DatabaseConfiguration?
    /// The meet-ws URLs the recorder joins meetings on, tried in turn when a
    /// socket drops (`MEET_RECORDER_WS_URL`, comma-separated); empty: the one
    /// in the job (meet-api's `MEET_PUBLIC_WS_URL`).
    public var wsURLs: [String]
    /// The local address subscriber connections bind to (`MEET_RECORDER_MEDIA_HOST`, default `0.0.0.0`).
    public var mediaHost: String
    /// Where finished files go after the directory (`MEET_RECORDING_STORAGE=s3`
    /// and `MEET_RECORDING_S3_*`); nil: they stay in the directory.
    public var s3: S3Configuration?
    /// Whether a stopped recording gets a composite MP4 (`MEET_RECORDING_COMPOSITE`, default true).
    public var composite: Bool
    /// The ffmpeg that makes it (`MEET_RECORDING_FFMPEG`, default `ffmpeg` on `PATH`).
    public var ffmpeg: String

    public init(
        mode: DeploymentMode = .development, logging: LoggingConfiguration = LoggingConfiguration(),
        http: HTTPConfiguration = HTTPConfiguration(port: 8095), recorderId: String = RecorderConfiguration.defaultRecorderId(),
        directory: String = "recordings", tuning: RecordingTuning = RecordingTuning(), redisURL: String? = nil,
        keyPrefix: String = "", jobLease: Duration = .seconds(15), maxJobs: Int = 8, database: DatabaseConfiguration? = nil,
        wsURLs: [String] = [], mediaHost: String = "0.0.0.0", s3: S3Configuration? = nil, composite: Bool = true, ffmpeg: String = "ffmpeg"
    ) {
        self.mode = mode
        self.logging = logging
        self.http = http
        self.recorderId = recorderId
        self.directory = directory
        self.tuning = tuning
        self.redisURL = redisURL
        self.keyPrefix = keyPrefix
        self.jobLease = jobLease
        self.maxJobs = maxJobs
        self.database = database
        self.wsURLs = wsURLs
        self.mediaHost = mediaHost
        self.s3 = s3
        self.composite = composite
        self.ffmpeg = ffmpeg
    }

    public init(environment: EnvironmentReader) throws(ConfigurationError) {
        let mode = try DeploymentMode(environment: environment)
        let directory = environment.string("MEET_RECORDING_DIR", default: "recordings")
        self.init(
            mode: mode,
            logging: try LoggingConfiguration(environment: environment, mode: mode),
            http: try HTTPConfiguration(environment: environment, mode: mode, defaultPort: 8095),
            recorderId: try environment.identifier("MEET_RECORDER_ID", default: Self.defaultRecorderId, asciiOnly: true),
            directory: directory,
            tuning: RecordingTuning(
                reorderPackets: try environment.int("MEET_RECORDING_REORDER_PACKETS", default: 64, in: 4...4096),
                reorderDelayMicroseconds: Int64(try environment.int("MEET_RECORDING_REORDER_DELAY_MS", default: 200, in: 0...5000)) * 1000,
                keyframeRetryMicroseconds: Int64(try environment.int("MEET_RECORDING_KEYFRAME_RETRY_MS", default: 1000, in: 100...60_000)) * 1000),
            redisURL: environment.string("MEET_REDIS_URL") == nil ? nil : try CoreConfiguration.redisURL(environment: environment),
            keyPrefix: environment.string("MEET_WS_KEY_PREFIX", default: ""),
            jobLease: .milliseconds(try environment.int("MEET_RECORDING_JOB_LEASE_MS", default: 15_000, in: 3_000...120_000)),
            maxJobs: try environment.int("MEET_RECORDING_MAX_JOBS", default: 8, in: 1...256),
            database: environment.string("MEET_DATABASE_URL") == nil ? nil : try DatabaseConfiguration(environment: environment),
            wsURLs: try Self.wsURLs(environment),
            mediaHost: environment.string("MEET_RECORDER_MEDIA_HOST", default: "0.0.0.0"),
            s3: try S3Configuration.recordings(environment: environment),
            composite: try environment.bool("MEET_RECORDING_COMPOSITE", default: true),
            ffmpeg: environment.string("MEET_RECORDING_FFMPEG", default: "ffmpeg"))
    }

    /// `MEET_RECORDER_WS_URL`: `ws://` or `wss://` URLs, comma-separated.
    static func wsURLs(_ environment: EnvironmentReader) throws(ConfigurationError) -> [String] {
        guard let value = environment.string("MEET_RECORDER_WS_URL") else { return [] }
        let urls = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !urls.isEmpty, urls.allSatisfy({ $0.hasPrefix("ws://") || $0.hasPrefix("wss://") }) else {
            throw ConfigurationError(variable: "MEET_RECORDER_WS_URL", message: "must be ws:// or wss:// URLs, comma-separated")
        }
        return urls
    }

    /// The host name up to its first dot, or `recorder`.
    public static func defaultRecorderId() -> String {
        CoreConfiguration.hostIdentifier(fallback: "recorder")
    }
}
