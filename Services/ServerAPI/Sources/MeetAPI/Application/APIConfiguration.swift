public import MeetCore
import NIOCore

/// Everything meet-api reads from its environment (see docs/configuration.md).
public struct APIConfiguration: ServiceSettings {
    /// Mode, logging, PostgreSQL, Redis, JWT key.
    public var core: CoreConfiguration
    /// Listen address and body limit (`MEET_HTTP_PORT` defaults to 8080).
    public var http: HTTPConfiguration
    /// Where clients open their signaling socket, returned by join (`MEET_PUBLIC_WS_URL`).
    public var publicWebSocketURL: String
    /// Where a signed-in page opens its user socket (notifications outside a
    /// meeting): meet-ws's `/v1/ws/user`, beside ``publicWebSocketURL``.
    public var publicUserSocketURL: String {
        var base = Substring(self.publicWebSocketURL)
        while base.hasSuffix("/") { base = base.dropLast() }
        return base + "/user"
    }
    public var accessTokenTTL: Duration
    public var refreshTokenTTL: Duration
    public var joinTokenTTL: Duration
    /// bcrypt work factor, 4…31 (`MEET_BCRYPT_COST`); each step doubles the time.
    public var bcryptCost: Int
    /// Login attempts allowed per (client address, email) per window, and
    /// register attempts per email.
    public var authRateLimitPerEmail: Int
    /// Login attempts per email from all addresses together per window.
    /// Past it the email is under attack: logins for it are spaced out to
    /// one per ``authUnderAttackDelay`` and each address gets only a quarter
    /// of ``authRateLimitPerEmail`` for it (see docs/operations.md).
    public var authRateLimitPerEmailGlobal: Int
    /// The spacing of logins for an email under attack (`MEET_AUTH_UNDER_ATTACK_DELAY_MS`):
    /// one attempt per this interval from all addresses together; one sooner
    /// gets 429 with `Retry-After`. Zero turns the spacing off.
    public var authUnderAttackDelay: Duration
    /// Login/register attempts allowed per client address per window.
    public var authRateLimitPerAddress: Int
    public var authRateLimitWindow: Duration
    /// Guest (anonymous) joins of one meeting per window, from all addresses.
    public var guestJoinRateLimitPerMeeting: Int
    /// Guest joins from one client address per window, all meetings together.
    public var guestJoinRateLimitPerAddress: Int
    /// Header, body and idle deadlines of every connection (`MEET_API_*_TIMEOUT_SECONDS`).
    public var connectionTimeouts: ConnectionTimeouts
    /// Open connections one client address may hold (`MEET_API_MAX_CONNECTIONS_PER_ADDRESS`); 0 = no limit.
    public var maxConnectionsPerAddress: Int
    /// Where the rate limits are shared by every replica: `MEET_REDIS_URL`,
    /// but only when that variable is set (``CoreConfiguration/redisURL``
    /// carries a default for services that always need Redis). `nil` keeps
    /// the limits per process.
    public var rateLimitRedisURL: String?
    /// meet-ws's Redis key prefix (`MEET_WS_KEY_PREFIX`, default none): a
    /// membership change is announced on the room channel under it.
    public var roomKeyPrefix: String = ""
    /// User searches (`GET /v1/users/search`) one account may make per
    /// minute (`MEET_USER_SEARCH_RATE_LIMIT`, default 30): finding people
    /// to invite, not crawling the directory.
    public var userSearchRateLimit: Int = 30
    /// Apply migrations before serving (`MEET_MIGRATE_ON_START`, default true).
    /// Turn off when a separate `meet-api --migrate-only` job owns them.
    public var migrateOnStart: Bool
    /// The browser client's static files (`MEET_WEB_DIR`, default `Web`
    /// relative to the working directory); served at `/` and `/{code}`.
    /// A missing directory is not an error: those routes answer 404.
    public var webDirectory: String
    /// SMTP, links in messages, the job worker and reminders (`MEET_SMTP_*`, `MEET_JOBS_*`; docs/configuration.md).
    public var email = EmailConfiguration()
    /// Recording playback and retention (`MEET_RECORDING_DIR`, `MEET_RECORDING_STORAGE`,
    /// `MEET_RECORDING_S3_*`, `MEET_RECORDING_RETENTION_*`; docs/configuration.md).
    public var recordings = RecordingStorageConfiguration()
    /// Chat attachments: their size limit, upload rate and cleanup (`MEET_ATTACHMENT_*`);
    /// stored where ``recordings`` are.
    public var attachments = AttachmentConfiguration()

    public init(
        core: CoreConfiguration,
        http: HTTPConfiguration = HTTPConfiguration(),
        publicWebSocketURL: String = "ws://127.0.0.1:8081/v1/ws",
        accessTokenTTL: Duration = .seconds(900),
        refreshTokenTTL: Duration = .seconds(30 * 24 * 3600),
        joinTokenTTL: Duration = .seconds(300),
        bcryptCost: Int = 10,
        authRateLimitPerEmail: Int = 10,
        authRateLimitPerAddress: Int = 60,
        authRateLimitPerEmailGlobal: Int = 50,
        authUnderAttackDelay: Duration = .seconds(1),
        authRateLimitWindow: Duration = .seconds(60),
        guestJoinRateLimitPerMeeting: Int = 120,
        guestJoinRateLimitPerAddress: Int = 20,
        connectionTimeouts: ConnectionTimeouts = ConnectionTimeouts(),
        maxConnectionsPerAddress: Int = 128,
        migrateOnStart: Bool = true,
        rateLimitRedisURL: String? = nil,
        webDirectory: String = "Web"
    ) {
        self.core = core
        self.http = http
        self.publicWebSocketURL = publicWebSocketURL
        self.accessTokenTTL = accessTokenTTL
        self.refreshTokenTTL = refreshTokenTTL
        self.joinTokenTTL = joinTokenTTL
        self.bcryptCost = bcryptCost
        self.authRateLimitPerEmail = authRateLimitPerEmail
        self.authRateLimitPerAddress = authRateLimitPerAddress
        self.authRateLimitPerEmailGlobal = authRateLimitPerEmailGlobal
        self.authUnderAttackDelay = authUnderAttackDelay
        self.authRateLimitWindow = authRateLimitWindow
        self.guestJoinRateLimitPerMeeting = guestJoinRateLimitPerMeeting
        self.guestJoinRateLimitPerAddress = guestJoinRateLimitPerAddress
        self.connectionTimeouts = connectionTimeouts
        self.maxConnectionsPerAddress = maxConnectionsPerAddress
        self.migrateOnStart = migrateOnStart
        self.rateLimitRedisURL = rateLimitRedisURL
        self.webDirectory = webDirectory
    }

    /// Reads every variable; throws on the first one that is missing or malformed.
    public init(environment: EnvironmentReader) throws(ConfigurationError) {
        let core = try CoreConfiguration(environment: environment)
        let wsURL = environment.string("MEET_PUBLIC_WS_URL", default: "ws://127.0.0.1:8081/v1/ws")
        guard wsURL.hasPrefix("ws://") || wsURL.hasPrefix("wss://") else {
            throw ConfigurationError(variable: "MEET_PUBLIC_WS_URL", message: "must start with ws:// or wss://")
        }
        let http = try HTTPConfiguration(environment: environment, mode: core.mode, defaultPort: 8080)
        let timeouts = ConnectionTimeouts(
            header: .seconds(Int64(try environment.int("MEET_API_HEADER_TIMEOUT_SECONDS", default: 10, in: 1...3600))),
            body: .seconds(Int64(try environment.int("MEET_API_BODY_TIMEOUT_SECONDS", default: 30, in: 1...3600))),
            idle: .seconds(Int64(try environment.int("MEET_API_IDLE_TIMEOUT_SECONDS", default: 75, in: 1...3600))),
            upload: .seconds(Int64(try environment.int("MEET_API_UPLOAD_TIMEOUT_SECONDS", default: 600, in: 1...86_400)))
        )
        self.init(
            core: core,
            http: http,
            publicWebSocketURL: wsURL,
            accessTokenTTL: try environment.seconds("MEET_ACCESS_TOKEN_TTL_SECONDS", default: 900, in: 10...86_400),
            refreshTokenTTL: try environment.seconds(
                "MEET_REFRESH_TOKEN_TTL_SECONDS", default: 30 * 24 * 3600, in: 60...(365 * 24 * 3600)),
            joinTokenTTL: try environment.seconds("MEET_JOIN_TOKEN_TTL_SECONDS", default: 300, in: 10...86_400),
            bcryptCost: try environment.int("MEET_BCRYPT_COST", default: 10, in: 4...31),
            authRateLimitPerEmail: try environment.int("MEET_AUTH_RATE_LIMIT_PER_EMAIL", default: 10, in: 1...1_000_000),
            authRateLimitPerAddress: try environment.int(
                "MEET_AUTH_RATE_LIMIT_PER_ADDRESS", default: 60, in: 1...1_000_000),
            authRateLimitPerEmailGlobal: try environment.int(
                "MEET_AUTH_RATE_LIMIT_PER_EMAIL_GLOBAL", default: 50, in: 1...1_000_000),
            authUnderAttackDelay: .milliseconds(
                try environment.int("MEET_AUTH_UNDER_ATTACK_DELAY_MS", default: 1000, in: 0...10_000)),
            authRateLimitWindow: try environment.seconds("MEET_AUTH_RATE_LIMIT_WINDOW_SECONDS", default: 60, in: 1...86_400),
            guestJoinRateLimitPerMeeting: try environment.int(
                "MEET_GUEST_JOIN_RATE_LIMIT_PER_MEETING", default: 120, in: 1...1_000_000),
            guestJoinRateLimitPerAddress: try environment.int(
                "MEET_GUEST_JOIN_RATE_LIMIT_PER_ADDRESS", default: 20, in: 1...1_000_000),
            connectionTimeouts: timeouts,
            // Behind a proxy every connection comes from the proxy: no limit by default there.
            maxConnectionsPerAddress: try environment.int(
                "MEET_API_MAX_CONNECTIONS_PER_ADDRESS", default: http.trustProxy ? 0 : 128, in: 0...1_000_000),
            migrateOnStart: try environment.bool("MEET_MIGRATE_ON_START", default: true),
            rateLimitRedisURL: environment.string("MEET_REDIS_URL") == nil ? nil : core.redisURL,
            webDirectory: environment.string("MEET_WEB_DIR", default: "Web")
        )
        self.roomKeyPrefix = environment.string("MEET_WS_KEY_PREFIX", default: "")
        self.userSearchRateLimit = try environment.int("MEET_USER_SEARCH_RATE_LIMIT", default: 30, in: 1...1_000_000)
        self.email = try EmailConfiguration(environment: environment)
        self.recordings = try RecordingStorageConfiguration(environment: environment)
        self.attachments = try AttachmentConfiguration(environment: environment)
    }

    /// ``CoreConfiguration/logging``.
    public var logging: LoggingConfiguration { self.core.logging }
}
