import Metrics

/// The bus's metric handles, created once per endpoint (swift-metrics
/// handles are cheap to use but not to create).
struct BusMetrics: Sendable {
    /// Every envelope published (events, requests, replies).
    let published = Counter(label: "meet_bus_published_total")
    /// Round-trip time of successful requests.
    let requestDuration = Metrics.Timer(label: "meet_bus_request_duration_seconds", preferredDisplayUnit: .seconds)
    /// Requests that got no reply in time.
    let timeouts = Counter(label: "meet_bus_request_timeouts_total")
    /// Requests sent to an inbox nobody listens on.
    let noResponder = Counter(label: "meet_bus_request_no_responder_total")
    /// Requests failed at once because this process's subscriptions were
    /// cut off (``BusError/unavailable``).
    let unavailable = Counter(label: "meet_bus_request_unavailable_total")
    /// Requests this process answered (with a reply or an error).
    let handled = Counter(label: "meet_bus_requests_handled_total")
    /// Requests refused with `overloaded`: `maxConcurrentRequests` handlers were running.
    let rejected = Counter(label: "meet_bus_requests_rejected_total")
    /// Inbox events dropped because ``BusEndpoint/inboxEvents`` was full.
    let inboxDropped = Counter(label: "meet_bus_inbox_dropped_total")
}
