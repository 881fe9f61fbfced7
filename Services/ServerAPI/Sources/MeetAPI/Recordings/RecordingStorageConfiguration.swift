import Foundation
public import MeetCore
import MeetProtocol
public import MeetStorage

/// Where meet-api finds recording files and how long it keeps them
/// (docs/configuration.md): the directory the recorders write
/// (`MEET_RECORDING_DIR`, a volume both mount), S3 when
/// `MEET_RECORDING_STORAGE=s3` (`MEET_RECORDING_S3_*`, the same as the
/// recorders'), and retention (`MEET_RECORDING_RETENTION_DAYS`, 0 = keep forever), and the lifetime of
/// playback URLs (`MEET_RECORDING_PLAYBACK_URL_SECONDS`), and whether they
/// redirect to presigned S3 URLs (`MEET_RECORDING_S3_PUBLIC_ENDPOINT`).
public struct RecordingStorageConfiguration: Sendable, Equatable {
    public var directory: String
    public var s3: S3Configuration?
    /// Days after its end a recording's files are deleted; 0 keeps them forever.
    public var retentionDays: Int
    /// How often a replica asks for the retention sweep (one replica runs each).
    public var retentionScanInterval: Duration
    /// How long a playback URL (`POST …/files/{fileId}/playback`) is valid.
    public var playbackURLTTL: Duration
    /// When set, a playback URL of a file in S3 answers with a redirect to
    /// a presigned GET on this endpoint (the S3 API as browsers reach it), so
    /// the bytes go from S3 to the player rather than through meet-api; nil proxies them.
    public var s3PublicEndpoint: S3Endpoint?

    public init(
        directory: String = "recordings", s3: S3Configuration? = nil, retentionDays: Int = 0, retentionScanInterval: Duration = .seconds(3600),
        playbackURLTTL: Duration = .seconds(300), s3PublicEndpoint: S3Endpoint? = nil
    ) {
        self.directory = directory
        self.s3 = s3
        self.retentionDays = retentionDays
        self.retentionScanInterval = retentionScanInterval
        self.playbackURLTTL = playbackURLTTL
        self.s3PublicEndpoint = s3PublicEndpoint
    }

    public init(environment: EnvironmentReader) throws(ConfigurationError) {
        let s3 = try S3Configuration.recordings(environment: environment)
        var publicEndpoint: S3Endpoint?
        if let value = environment.string("MEET_RECORDING_S3_PUBLIC_ENDPOINT") {
            guard s3 != nil else {
                throw ConfigurationError(variable: "MEET_RECORDING_S3_PUBLIC_ENDPOINT", message: "needs MEET_RECORDING_STORAGE=s3")
            }
            guard let endpoint = S3Endpoint(value) else {
                throw ConfigurationError(variable: "MEET_RECORDING_S3_PUBLIC_ENDPOINT", message: "must be an http(s)://host[:port] URL, nothing after it")
            }
            publicEndpoint = endpoint
        }
        self.init(
            directory: environment.string("MEET_RECORDING_DIR", default: "recordings"),
            s3: s3,
            retentionDays: try environment.int("MEET_RECORDING_RETENTION_DAYS", default: 0, in: 0...36_500),
            retentionScanInterval: try environment.seconds("MEET_RECORDING_RETENTION_SCAN_SECONDS", default: 3600, in: 1...86_400),
            playbackURLTTL: try environment.seconds("MEET_RECORDING_PLAYBACK_URL_SECONDS", default: 300, in: 10...86_400),
            s3PublicEndpoint: publicEndpoint)
    }
}

/// The stores a file row may name: the directory always, S3 when configured.
struct RecordingStores: Sendable {
    let directory: DirectoryStore
    let s3: S3Client?

    init(configuration: RecordingStorageConfiguration) {
        self.directory = DirectoryStore(root: configuration.directory)
        self.s3 = configuration.s3.flatMap { try? S3Client(configuration: $0) }
    }

    /// The store of `kind`, or 503 `storage_unavailable` when this replica has no S3 configured.
    func store(_ kind: RecordingStoreKind) throws -> any ObjectStore {
        switch kind {
        case .directory: return self.directory
        case .s3:
            guard let s3 else { throw APIError(.storageUnavailable, "this file is in S3, and this server has no S3 configured") }
            return s3
        }
    }
}
