import MeetProtocol
import Metrics

/// `meet_sfu_transports_closed_total{role, reason}`: every transport end,
/// by why it ended (a ``TransportCloseReason``: `closed_by_request`,
/// `publisher_closed`, `migrated`, `node_shutdown`, `ice_failed`, ...). The
/// reasons are a small closed set, so the label stays low-cardinality. One
/// handle per (role, reason), created on first use and kept; event loop only.
final class TransportCloseMetrics {
    private struct Key: Hashable {
        var role: SFUTransportClosedEvent.Role
        var reason: TransportCloseReason
    }

    private var counters: [Key: Counter] = [:]

    func closed(role: SFUTransportClosedEvent.Role, reason: TransportCloseReason) {
        let key = Key(role: role, reason: reason)
        if let counter = counters[key] {
            counter.increment()
            return
        }
        let counter = Counter(
            label: "meet_sfu_transports_closed_total", dimensions: [("role", role.rawValue), ("reason", reason.rawValue)])
        counters[key] = counter
        counter.increment()
    }
}
