import ArgumentParser
import Foundation
import Hummingbird
import Logging
import MeetRTC

/// `meet-echo`: a WebRTC peer built only on MeetRTC that sends every track it
/// receives back to the peer that sent it. A test fixture for the interop
/// tests in Tests/e2e (aiortc, headless Chromium).
///
/// HTTP: `POST /offer` with `{sdp, type}` answers `{sdp, type: "answer", id}`;
/// `GET /stats` lists every peer's stage and counters; `GET /health`; and
/// with `--static-dir`, the files there (the browser test page).
/// Log level from `MEET_LOG_LEVEL` (default `info`).
@main
struct EchoPeerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meet-echo",
        abstract: "WebRTC echo peer on MeetRTC (interop test fixture)."
    )

    @Option(help: "HTTP port for signaling (POST /offer).")
    var httpPort: Int = 8080

    @Option(help: "UDP port for media (0 picks a free one).")
    var udpPort: Int = 0

    @Option(help: "Address to bind HTTP and UDP to.")
    var host: String = "127.0.0.1"

    @Option(help: "IP advertised in the ICE candidate (default: --host).")
    var publicIP: String?

    @Option(help: "Directory of static files to serve (the browser test page).")
    var staticDir: String?

    func run() async throws {
        let level = ProcessInfo.processInfo.environment["MEET_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "meet.echo")
        let socket = try await RTCSocket.bind(host: host, port: udpPort, logger: Logger(label: "meet.rtc"))
        let configuration = try RTCConfiguration.generate(publicIP: publicIP ?? host)
        let echo = EchoService(socket: socket, configuration: configuration, logger: logger)

        let router = Router()
        echo.addRoutes(to: router)
        if let staticDir {
            router.middlewares.add(FileMiddleware(staticDir, searchForIndexHtml: true))
        }
        var appLogger = Logger(label: "meet.echo.http")
        appLogger.logLevel = level <= .debug ? .info : .warning
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: httpPort), serverName: "meet-echo"),
            logger: appLogger
        )
        logger.info("meet-echo ready", metadata: ["http": "\(host):\(httpPort)", "udp": "\(socket.localAddress)"])
        try await app.runService()
        try await socket.close()
    }
}
