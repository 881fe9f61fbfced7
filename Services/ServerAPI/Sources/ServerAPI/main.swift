import ArgumentParser
import Hummingbird
import Logging
import MeetAPI
import MeetCore

/// `meet-api`: Meet's REST server (docs/configuration.md); the flag only chooses what to run.
struct MeetAPICommand: ServiceCommand {
    static let configuration = CommandConfiguration.service(
        "meet-api", abstract: "Meet's REST API (accounts, meetings, members, joins).")
    static let serviceName = "api"

    @Flag(help: "Apply the database migrations, then exit.")
    var migrateOnly = false

    func run(settings: APIConfiguration, logger: Logger) async throws {
        if self.migrateOnly {
            try await migrateDatabase(configuration: settings, logger: logger)
        } else {
            try await buildApplication(configuration: settings, logger: logger).runService()
        }
    }
}

await MeetAPICommand.launch()
