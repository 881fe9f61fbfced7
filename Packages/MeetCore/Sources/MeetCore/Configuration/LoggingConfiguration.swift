public import Logging

/// `MEET_LOG_LEVEL` and `MEET_LOG_FORMAT`.
public struct LoggingConfiguration: Sendable, Equatable {
    /// Output format of log lines.
    public enum Format: String, Sendable, CaseIterable {
        /// One JSON object per line, for log collectors.
        case json
        /// swift-log's human-readable lines.
        case text
    }

    public var level: Logger.Level
    public var format: Format

    public init(level: Logger.Level = .info, format: Format = .json) {
        self.level = level
        self.format = format
    }

    /// Reads the variables; the format defaults to `text` in development and `json` otherwise.
    public init(environment: EnvironmentReader, mode: DeploymentMode) throws(ConfigurationError) {
        self.level = try environment.choice("MEET_LOG_LEVEL", default: Logger.Level.info)
        self.format = try environment.choice("MEET_LOG_FORMAT", default: mode.isDevelopment ? .text : .json)
    }
}
