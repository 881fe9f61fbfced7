import Hummingbird
import MeetCore
import MeetProtocol

/// `/healthz`, `/readyz` and `/metrics`: for the orchestrator and Prometheus.
struct HealthController: Sendable {
    let deps: APIDependencies
    let exporter: PrometheusExporter

    func addRoutes(to router: Router<APIRequestContext>) {
        router.get("healthz", use: self.health)
        router.get("readyz", use: self.ready)
        router.get("metrics") { _, _ in self.exporter.response() }
    }

    /// Liveness: the process answers. Touches nothing else.
    @Sendable func health(_ request: Request, context: APIRequestContext) -> JSONResponse<HealthResponse> {
        JSONResponse(HealthResponse(status: "ok"))
    }

    /// Readiness: PostgreSQL answers `SELECT 1` within the operation timeout;
    /// 503 `database_unavailable` otherwise, so the load balancer stops routing here.
    @Sendable func ready(_ request: Request, context: APIRequestContext) async throws -> JSONResponse<HealthResponse> {
        guard await self.deps.database.isReachable() else { throw APIError.databaseUnavailable }
        return JSONResponse(HealthResponse(status: "ok", checks: ["database": "ok"]))
    }
}
