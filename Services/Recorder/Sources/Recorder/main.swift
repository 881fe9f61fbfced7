import ArgumentParser
import Hummingbird
import Logging
import MeetCore
import MeetRecorder

/// `meet-recorder`: Meet's recorder (docs/configuration.md, docs/dev/recording.md).
struct MeetRecorderCommand: ServiceCommand {
    static let configuration = CommandConfiguration.service(
        "meet-recorder", abstract: "Meet's recorder: writes each published track of a recorded meeting to its own file.")
    static let serviceName = "recorder"

    func run(settings: RecorderConfiguration, logger: Logger) async throws {
        try await buildApplication(configuration: settings, logger: logger).runService()
    }
}

await MeetRecorderCommand.launch()
