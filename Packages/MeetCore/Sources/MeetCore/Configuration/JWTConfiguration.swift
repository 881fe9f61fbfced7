/// `MEET_JWT_SECRET` and `MEET_JWT_ISSUER`: the HS256 key every service shares.
public struct JWTConfiguration: Sendable, Equatable {
    /// HS256 needs at least 256 bits of key; jwt-kit also insists on it.
    public static let minimumSecretBytes = 32

    /// Used in development when `MEET_JWT_SECRET` is unset, so that every
    /// local service agrees on it. Never accepted in production.
    public static let developmentSecret = "meet-development-secret-do-not-use-in-production"

    public var secret: String
    public var issuer: String
    /// True when ``developmentSecret`` filled in for a missing secret.
    public var usesDevelopmentSecret: Bool

    public init(secret: String, issuer: String = "meet") throws(ConfigurationError) {
        guard secret.utf8.count >= Self.minimumSecretBytes else {
            throw ConfigurationError(
                variable: "MEET_JWT_SECRET",
                message: "must be at least \(Self.minimumSecretBytes) bytes, got \(secret.utf8.count)"
            )
        }
        self.secret = secret
        self.issuer = issuer
        self.usesDevelopmentSecret = false
    }

    /// Reads the variables. Outside development a missing or short secret is an error.
    public init(environment: EnvironmentReader, mode: DeploymentMode) throws(ConfigurationError) {
        let issuer = environment.string("MEET_JWT_ISSUER", default: "meet")
        if let secret = environment.string("MEET_JWT_SECRET") {
            try self.init(secret: secret, issuer: issuer)
        } else if mode.isDevelopment {
            try self.init(secret: Self.developmentSecret, issuer: issuer)
            self.usesDevelopmentSecret = true
        } else {
            throw ConfigurationError(
                variable: "MEET_JWT_SECRET",
                message: "is required outside development (set MEET_ENV=development for a local default)"
            )
        }
    }
}
