import ArgumentParser
import MeetAPI
import MeetCore

/// `meet-api`: Meet's REST server. Configured entirely by `MEET_*`
/// environment variables (docs/configuration.md); the flags only choose
/// what to run.
struct MeetAPICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meet-api",
        abstract: "Meet's REST API (accounts, meetings, members, joins).",
        discussion: "Configured by MEET_* environment variables; see docs/configuration.md."
    )

    @Flag(help: "Apply the database migrations, then exit.")
    var migrateOnly = false

    func run() async throws {
        let configuration: APIConfiguration
        do {
            configuration = try APIConfiguration(environment: .process)
        } catch {
            throw ValidationError("configuration: \(error)")
        }
        LoggingBootstrap.bootstrap(configuration.core.logging)
        MetricsBootstrap.bootstrap()
        let logger = LoggingBootstrap.logger(service: "api", configuration: configuration.core.logging)
        if self.migrateOnly {
            try await migrateDatabase(configuration: configuration, logger: logger)
        } else {
            try await buildApplication(configuration: configuration, logger: logger).runService()
        }
    }
}

// Parsed and run by hand: `main()` has a sync and an async overload, and
// top-level code would pick the sync one.
do {
    let command = try MeetAPICommand.parse()
    try await command.run()
} catch {
    MeetAPICommand.exit(withError: error)
}
