import Foundation

/// `MEET_DATABASE_*`: where PostgreSQL is and how long to wait for it.
///
/// Plain settings, so every service can read and validate them; the
/// PostgresNIO client configuration they make lives in MeetDatabase
/// (`clientConfiguration`), so MeetCore does not link PostgresNIO.
public struct DatabaseConfiguration: Sendable {
    /// TLS policy, from the URL's `sslmode` parameter.
    public enum TLSMode: String, Sendable, CaseIterable {
        case disable
        case prefer
        case require
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var tls: TLSMode
    /// Connections in the pool (`MEET_DATABASE_POOL_SIZE`).
    public var poolSize: Int
    /// How long to wait for a TCP + startup handshake (`MEET_DATABASE_CONNECT_TIMEOUT_SECONDS`).
    public var connectTimeout: Duration
    /// The longest one database operation may take before the request gets 503
    /// (`MEET_DATABASE_TIMEOUT_SECONDS`). Also bounds the wait for a connection
    /// while the database is down, so an outage never hangs a request.
    public var operationTimeout: Duration
    /// The longest an operation may run, with PostgreSQL answering nothing
    /// else meanwhile, before the circuit breaker probes (`SELECT 1` on a
    /// connection of its own) and, if that is not answered, opens: operations
    /// fail at once until a probe is answered (`MEET_DATABASE_BREAKER_MS`,
    /// default 250; 0 disables it). The deadline in force is learned from
    /// recent latencies between ``breakerFloor`` and this (``StallDeadline``).
    /// See ``CircuitBreaker``.
    /// 250 ms, not Redis's 2 s: a stall here costs a probe, not an opening,
    /// and 1 s held the first request of a stopped PostgreSQL up to 0.8 s
    /// on a loaded machine (where answers are slow, so the learned deadline
    /// sat near the ceiling).
    public var breakerDeadline: Duration? = .milliseconds(250)
    /// The shortest the learned deadline becomes: 50 ms. A stall only costs
    /// a probe here, and a stopped PostgreSQL refuses the probe at once, so
    /// an operation waiting for a pool connection (the pool retries refused
    /// connects without telling anyone) fails within about this long.
    public var breakerFloor: Duration = .milliseconds(50)

    /// Parses `postgres://user:password@host:port/database?sslmode=disable|prefer|require`.
    public init(
        url: String,
        poolSize: Int = 20,
        connectTimeout: Duration = .seconds(5),
        operationTimeout: Duration = .seconds(5)
    ) throws(ConfigurationError) {
        func invalid(_ why: String) -> ConfigurationError {
            ConfigurationError(variable: "MEET_DATABASE_URL", message: why)
        }
        guard let components = URLComponents(string: url),
            let scheme = components.scheme?.lowercased(),
            scheme == "postgres" || scheme == "postgresql"
        else {
            throw invalid("must look like postgres://user:password@host:port/database")
        }
        guard let host = components.host, !host.isEmpty else { throw invalid("has no host") }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty else { throw invalid("has no database name") }
        var tls = TLSMode.prefer
        if let mode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value {
            guard let parsed = TLSMode(rawValue: mode) else {
                throw invalid("sslmode must be disable, prefer or require, got '\(mode)'")
            }
            tls = parsed
        }
        self.host = host
        self.port = components.port ?? 5432
        self.username = components.user ?? "postgres"
        self.password = components.password
        self.database = database
        self.tls = tls
        self.poolSize = poolSize
        self.connectTimeout = connectTimeout
        self.operationTimeout = operationTimeout
    }

    /// Reads `MEET_DATABASE_URL` (required) and the tuning variables.
    public init(environment: EnvironmentReader) throws(ConfigurationError) {
        try self.init(
            url: try environment.required("MEET_DATABASE_URL"),
            poolSize: try environment.int("MEET_DATABASE_POOL_SIZE", default: 20, in: 1...1000),
            connectTimeout: try environment.seconds("MEET_DATABASE_CONNECT_TIMEOUT_SECONDS", default: 5, in: 1...300),
            operationTimeout: try environment.seconds("MEET_DATABASE_TIMEOUT_SECONDS", default: 5, in: 1...300)
        )
        let breakerMs = try environment.int("MEET_DATABASE_BREAKER_MS", default: 250, in: 0...60_000)
        self.breakerDeadline = breakerMs == 0 ? nil : .milliseconds(breakerMs)
    }

    /// The same server, another database (tests create throwaway databases).
    public func with(database: String) -> DatabaseConfiguration {
        var copy = self
        copy.database = database
        return copy
    }
}
