import ArgumentParser
import MeetCore
import MeetWS

/// `meet-ws`: Meet's WebSocket signaling server. Configured entirely by
/// `MEET_*` environment variables (docs/configuration.md, docs/signaling.md).
struct MeetWSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meet-ws",
        abstract: "Meet's WebSocket signaling server (rooms, presence, chat, host controls, SFU placement and media negotiation).",
        discussion: "Configured by MEET_* environment variables; see docs/configuration.md."
    )

    func run() async throws {
        let configuration: WSConfiguration
        do {
            configuration = try WSConfiguration(environment: .process)
        } catch {
            throw ValidationError("configuration: \(error)")
        }
        LoggingBootstrap.bootstrap(configuration.core.logging)
        MetricsBootstrap.bootstrap()
        let logger = LoggingBootstrap.logger(service: "ws", configuration: configuration.core.logging)
        try await buildApplication(configuration: configuration, logger: logger).runService()
    }
}

// Parsed and run by hand: `main()` has a sync and an async overload, and
// top-level code would pick the sync one.
do {
    let command = try MeetWSCommand.parse()
    try await command.run()
} catch {
    MeetWSCommand.exit(withError: error)
}
