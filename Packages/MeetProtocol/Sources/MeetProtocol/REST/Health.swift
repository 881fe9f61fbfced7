/// `GET /healthz` and `GET /readyz`.
public struct HealthResponse: Codable, Sendable, Equatable {
    /// `ok`, or `unavailable` on a failed readiness check.
    public var status: String
    /// Per-dependency state for `/readyz`, e.g. `["database": "ok"]`.
    public var checks: [String: String]?

    public init(status: String, checks: [String: String]? = nil) {
        self.status = status
        self.checks = checks
    }
}
