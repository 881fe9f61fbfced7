import Foundation

/// The configuration every Meet service that talks to PostgreSQL and signs or
/// verifies tokens shares: mode, logging, PostgreSQL, Redis and the JWT key.
/// Each service's own `Configuration` embeds it. (A service that needs less,
/// such as the SFU, composes ``DeploymentMode`` and ``LoggingConfiguration``
/// directly so as not to demand a database URL.)
public struct CoreConfiguration: Sendable {
    public var mode: DeploymentMode
    public var logging: LoggingConfiguration
    public var database: DatabaseConfiguration
    /// `MEET_REDIS_URL`; read here so every service validates it the same way.
    public var redisURL: String
    public var jwt: JWTConfiguration

    public init(
        mode: DeploymentMode,
        logging: LoggingConfiguration,
        database: DatabaseConfiguration,
        redisURL: String,
        jwt: JWTConfiguration
    ) {
        self.mode = mode
        self.logging = logging
        self.database = database
        self.redisURL = redisURL
        self.jwt = jwt
    }

    /// Reads every shared `MEET_*` variable.
    public init(environment: EnvironmentReader) throws(ConfigurationError) {
        let mode = try DeploymentMode(environment: environment)
        self.init(
            mode: mode,
            logging: try LoggingConfiguration(environment: environment, mode: mode),
            database: try DatabaseConfiguration(environment: environment),
            redisURL: try Self.redisURL(environment: environment),
            jwt: try JWTConfiguration(environment: environment, mode: mode)
        )
    }

    /// The default id of a process that names itself on the bus (an SFU
    /// node, a recorder): the host name's first label in letters, digits
    /// and `-` (a pod's name in Kubernetes), else `fallback`.
    public static func hostIdentifier(fallback: String) -> String {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? ""
        let clean = host.filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        return clean.isEmpty ? fallback : clean
    }

    /// `MEET_REDIS_URL`, checked for a `redis://` or `rediss://` scheme.
    public static func redisURL(environment: EnvironmentReader) throws(ConfigurationError) -> String {
        let redisURL = environment.string("MEET_REDIS_URL", default: "redis://127.0.0.1:6379")
        guard redisURL.hasPrefix("redis://") || redisURL.hasPrefix("rediss://") else {
            throw ConfigurationError(variable: "MEET_REDIS_URL", message: "must start with redis://, got '\(redisURL)'")
        }
        return redisURL
    }
}
