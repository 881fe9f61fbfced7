import MeetProtocol
import Metrics

/// `meet_sfu_transports_closed_total{role, reason}`: every transport end,
/// by why it ended (a ``TransportCloseReason``: `closed_by_request`,
/// `publisher_closed`, `migrated`, `node_shutdown`, `ice_failed`, ...). The
/// reasons are a small closed set, so the label stays low-cardinality. One
/// handle per (role, reason), created on first use and kept; event loop only.
final class TransportCloseMetrics {
    private var counters: [String: Counter] = [:]

    func closed(role: SFUTransportClosedEvent.Role, reason: String) {
        let key = "\(role.rawValue)|\(reason)"
        if let counter = counters[key] {
            counter.increment()
            return
        }
        let counter = Counter(
            label: "meet_sfu_transports_closed_total", dimensions: [("role", role.rawValue), ("reason", reason)])
        counters[key] = counter
        counter.increment()
    }
}
