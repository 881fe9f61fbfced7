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

    /// Longest `/readyz` waits for PostgreSQL: below the 3 s probe timeouts
    /// of k8s/ and docker-compose.yml, so a probe of a hung database gets a
    /// 503 answer rather than timing out, whatever
    /// `MEET_DATABASE_TIMEOUT_SECONDS` is.
    static let readinessTimeout: Duration = .seconds(2)

    /// Readiness: the storage (PostgreSQL: `SELECT 1`) answers within
    /// ``readinessTimeout`` (or the operation timeout, if shorter); 503
    /// `database_unavailable` otherwise, so the load balancer stops routing
    /// here. It turns 200 again by itself once the pool reconnects after an outage.
    @Sendable func ready(_ request: Request, context: APIRequestContext) async throws -> JSONResponse<HealthResponse> {
        guard await self.deps.readiness.isReady(within: Self.readinessTimeout) else { throw APIError.databaseUnavailable }
        return JSONResponse(HealthResponse(status: "ok", checks: ["database": "ok"]))
    }
}
