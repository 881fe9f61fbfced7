public import ArgumentParser
public import Logging

/// The command every Meet service executable is: read the `MEET_*`
/// settings (``ServiceSettings``), bootstrap logging and metrics, make the service's logger,
/// run. The executable's `main.swift` says only what differs (its name,
/// its settings type, what to run).
///
/// Configuration errors end the process before anything starts, as a usage
/// error naming the variable (ArgumentParser prints it and exits 64).
/// Graceful shutdown on SIGTERM is the service group's job
/// (`runService()`), not the command's.
public protocol ServiceCommand: AsyncParsableCommand {
    /// The service's configuration (`APIConfiguration`, …).
    associatedtype Settings: ServiceSettings

    /// The `service` label of logs and metrics: `api`, `ws`, `sfu`.
    static var serviceName: String { get }

    /// Runs the service with its settings and logger until it stops.
    func run(settings: Settings, logger: Logger) async throws
}

extension ServiceCommand {
    public func run() async throws {
        let settings: Settings
        do {
            settings = try Settings(environment: .process)
        } catch {
            throw ValidationError("configuration: \(error)")
        }
        let logging = settings.logging
        LoggingBootstrap.bootstrap(logging)
        MetricsBootstrap.bootstrap()
        try await self.run(settings: settings, logger: LoggingBootstrap.logger(service: Self.serviceName, configuration: logging))
    }

    /// Parses the command line and runs: the whole top-level code of an executable.
    ///
    /// Parsed and run by hand because `main()` has a sync and an async
    /// overload, and top-level code would pick the sync one.
    public static func launch() async {
        do {
            let command = try Self.parse()
            try await command.run()
        } catch {
            Self.exit(withError: error)
        }
    }
}

extension CommandConfiguration {
    /// The configuration of a service executable: its name and one-line summary;
    /// the discussion points at the environment variables, as every service is configured by them.
    public static func service(_ commandName: String, abstract: String) -> CommandConfiguration {
        CommandConfiguration(
            commandName: commandName,
            abstract: abstract,
            discussion: "Configured by MEET_* environment variables; see docs/configuration.md."
        )
    }
}
