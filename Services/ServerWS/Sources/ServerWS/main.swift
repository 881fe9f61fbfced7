import ArgumentParser
import Hummingbird
import Logging
import MeetCore
import MeetWS

/// `meet-ws`: Meet's WebSocket signaling server (docs/configuration.md, docs/signaling.md).
struct MeetWSCommand: ServiceCommand {
    static let configuration = CommandConfiguration.service(
        "meet-ws",
        abstract: "Meet's WebSocket signaling server (rooms, presence, chat, host controls, SFU placement and media negotiation).")
    static let serviceName = "ws"

    func run(settings: WSConfiguration, logger: Logger) async throws {
        try await buildApplication(configuration: settings, logger: logger).runService()
    }
}

await MeetWSCommand.launch()
