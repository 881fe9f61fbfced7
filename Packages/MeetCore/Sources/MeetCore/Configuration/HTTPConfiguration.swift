/// Where a service listens and how much it accepts: `MEET_HTTP_*`, `MEET_TRUST_PROXY`.
public struct HTTPConfiguration: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// Largest request body decoded; larger ones get 413.
    public var maxBodyBytes: Int
    /// Take the client address from `X-Forwarded-For` (only behind a trusted proxy).
    public var trustProxy: Bool

    public init(host: String = "127.0.0.1", port: Int = 8080, maxBodyBytes: Int = 64 * 1024, trustProxy: Bool = false) {
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.trustProxy = trustProxy
    }

    /// Reads the variables. `defaultPort` is the service's own (8080 for meet-api).
    /// The host defaults to loopback in development and to all interfaces otherwise.
    public init(environment: EnvironmentReader, mode: DeploymentMode, defaultPort: Int) throws(ConfigurationError) {
        self.host = environment.string("MEET_HTTP_HOST", default: mode.isDevelopment ? "127.0.0.1" : "0.0.0.0")
        self.port = try environment.int("MEET_HTTP_PORT", default: defaultPort, in: 0...65535)
        self.maxBodyBytes = try environment.int("MEET_HTTP_MAX_BODY_BYTES", default: 64 * 1024, in: 1024...(64 << 20))
        self.trustProxy = try environment.bool("MEET_TRUST_PROXY", default: false)
    }
}
