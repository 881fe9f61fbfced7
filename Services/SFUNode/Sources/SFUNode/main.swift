import ArgumentParser
import Logging
import MeetCore
import MeetSFUNode

/// `meet-sfu`: Meet's SFU node (docs/configuration.md).
struct MeetSFUCommand: ServiceCommand {
    static let configuration = CommandConfiguration.service(
        "meet-sfu", abstract: "Meet's SFU node: forwards each publisher's media to its subscribers on this node.")
    static let serviceName = "sfu"

    func run(settings: SFUNodeConfiguration, logger: Logger) async throws {
        try await buildApplication(configuration: settings, logger: logger).runService()
    }
}

await MeetSFUCommand.launch()
