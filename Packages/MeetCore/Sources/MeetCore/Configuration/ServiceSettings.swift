/// What every service's configuration (`APIConfiguration`,
/// `WSConfiguration`, `SFUNodeConfiguration`) is: a struct with defaults,
/// read from `MEET_*` environment variables through an
/// ``EnvironmentReader`` (so the parsing rules and the error messages an
/// operator sees are the same everywhere), throwing on the first variable
/// missing or malformed. ``ServiceCommand`` reads it at start-up; each
/// service's tests check that every variable it reads is documented in
/// docs/configuration.md (``variablesRead(from:)``).
public protocol ServiceSettings: Sendable {
    /// Reads every variable; throws on the first one that is missing or malformed.
    init(environment: EnvironmentReader) throws(ConfigurationError)

    /// The logging part, which the command bootstraps before anything runs.
    var logging: LoggingConfiguration { get }
}

extension ServiceSettings {
    /// The names ``init(environment:)`` asks for given `values`, and the
    /// error it stopped at, if any (with too few `values`, the names after
    /// the first missing one are not asked for).
    public static func variablesRead(from values: [String: String]) -> (names: Set<String>, error: ConfigurationError?) {
        let environment = EnvironmentReader.recording(values)
        do {
            _ = try Self(environment: environment)
            return (environment.namesAsked, nil)
        } catch {
            return (environment.namesAsked, error)
        }
    }
}
