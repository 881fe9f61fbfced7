import Foundation
public import Hummingbird
import MeetProtocol
import NIOCore

/// One readiness probe: the name it has in `/readyz`'s `checks` object and
/// an async probe that says the dependency's state; `"ok"` means ready.
public struct ReadinessCheck: Sendable {
    public let name: String
    public let probe: @Sendable () async -> String

    public init(name: String, probe: @escaping @Sendable () async -> String) {
        self.name = name
        self.probe = probe
    }

    /// `"ok"` when `isUp` answers true, `"unavailable"` otherwise.
    public static func up(_ name: String, _ isUp: @escaping @Sendable () async -> Bool) -> ReadinessCheck {
        ReadinessCheck(name: name) { await isUp() ? "ok" : "unavailable" }
    }
}

/// `/healthz` (the process answers), `/readyz` (200 when every check says
/// `"ok"`, 503 otherwise, with each check's state), `/metrics` (Prometheus
/// text): the same three routes for every service that is probed by an
/// orchestrator. Checks run concurrently so one slow dependency does not
/// add its time to the others'.
public struct HealthRoutes: Sendable {
    public let checks: [ReadinessCheck]

    public init(checks: [ReadinessCheck]) {
        self.checks = checks
    }

    public func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        let exporter = PrometheusExporter(registry: MetricsBootstrap.bootstrap())
        let checks = self.checks
        router.get("healthz") { _, _ in Self.json(HealthResponse(status: "ok"), status: .ok) }
        router.get("readyz") { _, _ in
            let states = await Self.run(checks)
            let ready = states.values.allSatisfy { $0 == "ok" }
            return Self.json(
                HealthResponse(status: ready ? "ok" : "unavailable", checks: states),
                status: ready ? .ok : .serviceUnavailable)
        }
        router.get("metrics") { _, _ in exporter.response() }
    }

    private static func run(_ checks: [ReadinessCheck]) async -> [String: String] {
        await withTaskGroup(of: (String, String).self) { group in
            for check in checks {
                group.addTask { (check.name, await check.probe()) }
            }
            var states: [String: String] = [:]
            for await (name, state) in group { states[name] = state }
            return states
        }
    }

    private static func json(_ body: HealthResponse, status: HTTPResponse.Status) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let bytes = (try? encoder.encode(body)) ?? Data()
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
