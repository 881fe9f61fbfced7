public import Logging
import NIOConcurrencyHelpers

/// Installs the process-wide log handler once, from ``LoggingConfiguration``.
public enum LoggingBootstrap {
    private static let done = NIOLockedValueBox(false)

    /// Bootstraps swift-log. Only the first call in a process has an effect
    /// (swift-log allows one bootstrap); later calls return `false`.
    @discardableResult
    public static func bootstrap(_ configuration: LoggingConfiguration) -> Bool {
        let first = self.done.withLockedValue { done in
            defer { done = true }
            return !done
        }
        guard first else { return false }
        let level = configuration.level
        switch configuration.format {
        case .json:
            LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
        case .text:
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardOutput(label: label)
                handler.logLevel = level
                return handler
            }
        }
        return true
    }

    /// A logger for a service, at the configured level, labelled `meet.<service>`.
    public static func logger(service: String, configuration: LoggingConfiguration) -> Logger {
        var logger = Logger(label: "meet.\(service)")
        logger.logLevel = configuration.level
        return logger
    }
}
