import Logging
import MeetCore
import Testing

@Suite("Configuration from MEET_* variables")
struct ConfigurationTests {
    static let secret = String(repeating: "s", count: 32)
    static let base = ["MEET_DATABASE_URL": "postgres://meet:pw@db.internal:6543/meet"]

    @Test("production refuses to start without MEET_JWT_SECRET")
    func productionNeedsSecret() {
        do {
            _ = try CoreConfiguration(environment: EnvironmentReader(Self.base))
            Issue.record("started without a secret")
        } catch {
            #expect(error.variable == "MEET_JWT_SECRET")
        }
    }

    @Test("a secret shorter than 32 bytes is refused, in every mode")
    func shortSecret() {
        for mode in ["production", "development"] {
            let environment = Self.base.merging(["MEET_ENV": mode, "MEET_JWT_SECRET": "short"]) { $1 }
            do {
                _ = try CoreConfiguration(environment: EnvironmentReader(environment))
                Issue.record("accepted a short secret in \(mode)")
            } catch {
                #expect(error.variable == "MEET_JWT_SECRET")
            }
        }
    }

    @Test("development fills in a development secret and text logs")
    func developmentDefaults() throws {
        let configuration = try CoreConfiguration(environment: EnvironmentReader(Self.base.merging(["MEET_ENV": "development"]) { $1 }))
        #expect(configuration.mode == .development)
        #expect(configuration.jwt.usesDevelopmentSecret)
        #expect(configuration.jwt.secret.utf8.count >= 32)
        #expect(configuration.logging.format == .text)
    }

    @Test("production defaults: JSON logs at info, all interfaces")
    func productionDefaults() throws {
        let environment = EnvironmentReader(Self.base.merging(["MEET_JWT_SECRET": Self.secret]) { $1 })
        let core = try CoreConfiguration(environment: environment)
        #expect(core.mode == .production)
        #expect(core.logging == LoggingConfiguration(level: .info, format: .json))
        #expect(core.redisURL == "redis://127.0.0.1:6379")
        #expect(!core.jwt.usesDevelopmentSecret)
        let http = try HTTPConfiguration(environment: environment, mode: core.mode, defaultPort: 8080)
        #expect(http.host == "0.0.0.0")
        #expect(http.port == 8080)
    }

    @Test("the database URL is parsed into its parts")
    func databaseURL() throws {
        let database = try DatabaseConfiguration(url: "postgresql://user%40x:p%2Fw@host.example:6000/meetdb?sslmode=disable")
        #expect(database.host == "host.example")
        #expect(database.port == 6000)
        #expect(database.username == "user@x")
        #expect(database.password == "p/w")
        #expect(database.database == "meetdb")
        #expect(database.tls == .disable)
        let defaults = try DatabaseConfiguration(url: "postgres://h/d")
        #expect(defaults.port == 5432)
        #expect(defaults.username == "postgres")
        #expect(defaults.tls == .prefer)
    }

    @Test(
        "malformed values name the variable",
        arguments: [
            ("MEET_DATABASE_URL", "mysql://h/d"),
            ("MEET_DATABASE_URL", "postgres://host-without-db"),
            ("MEET_DATABASE_URL", "postgres://h/d?sslmode=maybe"),
            ("MEET_HTTP_PORT", "eighty"),
            ("MEET_HTTP_PORT", "70000"),
            ("MEET_LOG_LEVEL", "loud"),
            ("MEET_LOG_FORMAT", "xml"),
            ("MEET_ENV", "staging"),
            ("MEET_REDIS_URL", "http://redis"),
            ("MEET_TRUST_PROXY", "perhaps"),
        ]
    )
    func malformed(variable: String, value: String) {
        var environment = Self.base.merging(["MEET_JWT_SECRET": Self.secret]) { $1 }
        environment[variable] = value
        do {
            let reader = EnvironmentReader(environment)
            let core = try CoreConfiguration(environment: reader)
            _ = try HTTPConfiguration(environment: reader, mode: core.mode, defaultPort: 8080)
            Issue.record("accepted \(variable)=\(value)")
        } catch {
            #expect(error.variable == variable)
        }
    }

    @Test("a missing database URL is reported as required")
    func missingDatabase() {
        do {
            _ = try DatabaseConfiguration(environment: EnvironmentReader([:]))
            Issue.record("accepted a missing MEET_DATABASE_URL")
        } catch {
            #expect(error == ConfigurationError(variable: "MEET_DATABASE_URL", message: "is required"))
        }
    }

    @Test("log level and format are read case-insensitively")
    func logging() throws {
        let logging = try LoggingConfiguration(
            environment: EnvironmentReader(["MEET_LOG_LEVEL": "DEBUG", "MEET_LOG_FORMAT": "Text"]),
            mode: .production
        )
        #expect(logging == LoggingConfiguration(level: .debug, format: .text))
    }
}
