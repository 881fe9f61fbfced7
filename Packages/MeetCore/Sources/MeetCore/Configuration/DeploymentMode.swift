/// `MEET_ENV`: how forgiving the configuration is.
///
/// `production` (the default) refuses to start on anything unsafe, such as a
/// missing or short JWT secret. `development` fills such gaps with insecure
/// defaults and says so in the log, so `scripts/dev` needs no setup.
public enum DeploymentMode: String, Sendable, CaseIterable {
    case development
    case production

    /// Reads `MEET_ENV` (`development`/`dev` or `production`/`prod`).
    public init(environment: EnvironmentReader) throws(ConfigurationError) {
        switch environment.string("MEET_ENV")?.lowercased() {
        case nil, "production", "prod": self = .production
        case "development", "dev": self = .development
        case let other?:
            throw ConfigurationError(variable: "MEET_ENV", message: "must be development or production, got '\(other)'")
        }
    }

    public var isDevelopment: Bool { self == .development }
}
