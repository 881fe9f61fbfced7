public import Hummingbird
import Metrics
import NIOConcurrencyHelpers
public import Prometheus

/// The process-wide Prometheus registry behind swift-metrics.
///
/// swift-metrics accepts one bootstrap per process, and tests build many
/// applications in one process, so every service and test goes through
/// ``bootstrap()``: the first call installs the factory, the rest reuse it.
public enum MetricsBootstrap {
    private static let state = NIOLockedValueBox<PrometheusCollectorRegistry?>(nil)

    /// Installs the Prometheus factory (once) and returns its registry.
    @discardableResult
    public static func bootstrap() -> PrometheusCollectorRegistry {
        self.state.withLockedValue { state in
            if let registry = state { return registry }
            let registry = PrometheusCollectorRegistry()
            var factory = PrometheusMetricsFactory(registry: registry)
            factory.defaultDurationHistogramBuckets = [
                .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
                .milliseconds(2500), .seconds(5), .seconds(10),
            ]
            MetricsSystem.bootstrap(factory)
            state = registry
            return registry
        }
    }
}

/// Renders a registry in the Prometheus text exposition format for `GET /metrics`.
public struct PrometheusExporter: Sendable {
    public let registry: PrometheusCollectorRegistry

    public init(registry: PrometheusCollectorRegistry = MetricsBootstrap.bootstrap()) {
        self.registry = registry
    }

    /// The current values, as an HTTP response.
    public func response() -> Response {
        let bytes = self.registry.emitToBuffer()
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
