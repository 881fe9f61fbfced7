import ArgumentParser
import MeetCore
import MeetSFUNode

/// `meet-sfu`: Meet's SFU node. Configured entirely by `MEET_*` environment
/// variables (docs/configuration.md).
struct MeetSFUCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meet-sfu",
        abstract: "Meet's SFU node: forwards each publisher's media to its subscribers on this node.",
        discussion: "Configured by MEET_* environment variables; see docs/configuration.md."
    )

    func run() async throws {
        let configuration: SFUNodeConfiguration
        do {
            configuration = try SFUNodeConfiguration(environment: .process)
        } catch {
            throw ValidationError("configuration: \(error)")
        }
        LoggingBootstrap.bootstrap(configuration.logging)
        MetricsBootstrap.bootstrap()
        let logger = LoggingBootstrap.logger(service: "sfu", configuration: configuration.logging)
        try await buildApplication(configuration: configuration, logger: logger).runService()
    }
}

// Parsed and run by hand: `main()` has a sync and an async overload, and
// top-level code would pick the sync one.
do {
    let command = try MeetSFUCommand.parse()
    try await command.run()
} catch {
    MeetSFUCommand.exit(withError: error)
}
