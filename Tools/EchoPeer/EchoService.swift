import Foundation
import Hummingbird
import Logging
import MeetRTC
import NIOCore

/// Session description as the browser's `RTCSessionDescription.toJSON()` writes it.
struct SessionDescriptionBody: Codable, ResponseEncodable {
    var sdp: String
    var type: String
    var id: String?
}

/// All peers' stats, for `GET /stats`.
struct StatsBody: Codable, ResponseEncodable {
    var peers: [PeerConnectionStats]
    var drops: [String: Int]
}

/// Creates one `PeerConnection` per offer on the shared media socket and keeps
/// the echo sessions until they close.
///
/// Confinement (``EventLoopConfined``): the session table belongs to the
/// socket's loop; the HTTP handlers reach it through `eventLoop.submit`, and
/// the session-ended callback asserts the loop (debug builds).
final class EchoService: EventLoopConfined, @unchecked Sendable {
    let socket: RTCSocket
    let configuration: RTCConfiguration
    let logger: Logger
    /// Loop-only: live sessions and the stats of finished ones (for /stats).
    private var sessions: [String: EchoSession] = [:]
    private var finished: [PeerConnectionStats] = []

    init(socket: RTCSocket, configuration: RTCConfiguration, logger: Logger) {
        self.socket = socket
        self.configuration = configuration
        self.logger = logger
    }

    var eventLoop: any EventLoop { socket.eventLoop }

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/health") { _, _ in ["status": "ok"] }
        router.post("/offer") { request, context in
            let offer = try await request.decode(as: SessionDescriptionBody.self, context: context)
            guard offer.type == "offer" else { throw HTTPError(.badRequest, message: "expected an offer") }
            do {
                return try await self.accept(offer: offer.sdp)
            } catch {
                self.logger.warning("offer rejected", metadata: ["error": "\(error)"])
                throw HTTPError(.badRequest, message: "\(error)")
            }
        }
        // A subsequent offer on an existing session (tracks added or removed,
        // ICE restart): `{sdp, type: "offer", id}` with the id `/offer` returned.
        router.post("/reoffer") { request, context in
            let offer = try await request.decode(as: SessionDescriptionBody.self, context: context)
            guard offer.type == "offer", let id = offer.id else { throw HTTPError(.badRequest, message: "expected an offer with an id") }
            do {
                return try await self.accept(reoffer: offer.sdp, id: id)
            } catch let error as HTTPError {
                throw error
            } catch {
                self.logger.warning("re-offer rejected", metadata: ["error": "\(error)"])
                throw HTTPError(.badRequest, message: "\(error)")
            }
        }
        router.get("/stats") { _, _ in try await self.stats() }
    }

    /// Answers a re-offer on the session `id`.
    func accept(reoffer: String, id: String) async throws -> SessionDescriptionBody {
        let found = try await socket.eventLoop.submit { self.sessions[id]?.connection }.get()
        guard let connection = found else { throw HTTPError(.notFound, message: "no live session \(id)") }
        let answer = try await connection.acceptReoffer(reoffer, policy: .withoutTransportCC)
        logger.info("answered re-offer", metadata: ["peer": "\(connection.id)"])
        return SessionDescriptionBody(sdp: answer, type: "answer", id: connection.id)
    }

    /// Answers `offer` with a new echo session.
    func accept(offer: String) async throws -> SessionDescriptionBody {
        let session = EchoSession(eventLoop: socket.eventLoop, logger: logger) { [weak self] stats in self?.sessionEnded(stats) }
        let connection = PeerConnection(role: .server, socket: socket, configuration: configuration, delegate: session, logger: logger)
        session.connection = connection
        let answer = try await connection.acceptOffer(offer, sendBack: true, policy: .withoutTransportCC)
        try await socket.eventLoop.submit { self.sessions[connection.id] = session }.get()
        logger.info("answered offer", metadata: ["peer": "\(connection.id)"])
        return SessionDescriptionBody(sdp: answer, type: "answer", id: connection.id)
    }

    func stats() async throws -> StatsBody {
        try await socket.eventLoop.submit {
            var drops: [String: Int] = [:]
            for (reason, count) in self.socket.drops { drops[reason.rawValue] = count }
            let live = self.sessions.values.compactMap { $0.connection?.stats }
            return StatsBody(peers: self.finished + live, drops: drops)
        }.get()
    }

    /// Called on the loop when a session's connection closed or failed.
    private func sessionEnded(_ stats: PeerConnectionStats) {
        assertOnOwningLoop()
        sessions.removeValue(forKey: stats.id)
        finished.append(stats)
        if finished.count > 100 { finished.removeFirst(finished.count - 100) }
    }
}
