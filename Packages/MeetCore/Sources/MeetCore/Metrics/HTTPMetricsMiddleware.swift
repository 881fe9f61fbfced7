public import Hummingbird
import Metrics
import NIOConcurrencyHelpers

/// Counts requests and times them, by route template, method and status.
///
/// Exported as `meet_http_requests_total` (counter) and
/// `meet_http_request_duration_seconds` (histogram), with labels `route`
/// (the template, e.g. `/v1/meetings/{code}`, never the raw path, so that
/// cardinality stays bounded; `unmatched` for 404s on unknown paths),
/// `method` and `status`. Place it outermost so it sees the final status
/// after error mapping.
public struct HTTPMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    private let handles = HandleCache()

    public init() {}

    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            self.record(request: request, context: context, status: response.status.code, since: start)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            self.record(request: request, context: context, status: status, since: start)
            throw error
        }
    }

    private func record(request: Request, context: Context, status: Int, since start: ContinuousClock.Instant) {
        let route = context.endpointPath.flatMap { $0 == "NotFound" ? nil : $0 } ?? "unmatched"
        let key = HandleCache.Key(route: route, method: request.method.rawValue, status: status)
        let (counter, timer) = self.handles.handles(for: key)
        counter.increment()
        let elapsed = ContinuousClock.now - start
        let (seconds, attoseconds) = elapsed.components
        timer.recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

/// Metric handles, created once per label combination (swift-metrics
/// lookups allocate and lock; a cached handle does neither).
private final class HandleCache: Sendable {
    struct Key: Hashable {
        let route: String
        let method: String
        let status: Int
    }

    private let storage = NIOLockedValueBox<[Key: (Counter, Timer)]>([:])

    func handles(for key: Key) -> (Counter, Timer) {
        self.storage.withLockedValue { storage in
            if let existing = storage[key] { return existing }
            let dimensions = [("route", key.route), ("method", key.method), ("status", String(key.status))]
            let made = (
                Counter(label: "meet_http_requests_total", dimensions: dimensions),
                Timer(label: "meet_http_request_duration_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds)
            )
            storage[key] = made
            return made
        }
    }
}
