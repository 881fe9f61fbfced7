import Metrics

/// Forwarded traffic as Prometheus counters (`meet_sfu_packets_in_total`,
/// `…_bytes_in_total`, `…_packets_out_total`, `…_bytes_out_total`): what a
/// capacity planner rates over any window with `rate()`, where the
/// per-second gauges only show the last heartbeat interval. Fed from the
/// same cumulative ``TransportSnapshot`` as the load report, once per
/// heartbeat: the packet path touches nothing new.
struct TrafficCounters: Sendable {
    let packetsIn = Counter(label: "meet_sfu_packets_in_total")
    let bytesIn = Counter(label: "meet_sfu_bytes_in_total")
    let packetsOut = Counter(label: "meet_sfu_packets_out_total")
    let bytesOut = Counter(label: "meet_sfu_bytes_out_total")

    func increment(by step: TrafficStep) {
        if step.packetsIn > 0 { packetsIn.increment(by: Int64(step.packetsIn)) }
        if step.bytesIn > 0 { bytesIn.increment(by: Int64(step.bytesIn)) }
        if step.packetsOut > 0 { packetsOut.increment(by: Int64(step.packetsOut)) }
        if step.bytesOut > 0 { bytesOut.increment(by: Int64(step.bytesOut)) }
    }
}

/// What the counters grow by between two snapshots. A value type so the
/// arithmetic is tested without a metrics backend.
struct TrafficStep: Sendable, Equatable {
    var packetsIn = 0
    var bytesIn = 0
    var packetsOut = 0
    var bytesOut = 0

    /// The traffic since the last snapshot this tracker saw: everything for
    /// the first one (the node's totals start at zero with the process), and
    /// never negative (a counter only grows; a total that went backwards,
    /// e.g. a wrapped `&+=`, counts from zero again).
    struct Tracker: Sendable {
        private var last: TransportSnapshot?

        mutating func step(to now: TransportSnapshot) -> TrafficStep {
            defer { last = now }
            func delta(_ value: KeyPath<TransportSnapshot, Int>) -> Int {
                let before = last?[keyPath: value] ?? 0
                return now[keyPath: value] >= before ? now[keyPath: value] - before : max(0, now[keyPath: value])
            }
            return TrafficStep(
                packetsIn: delta(\.packetsIn), bytesIn: delta(\.bytesIn), packetsOut: delta(\.packetsOut), bytesOut: delta(\.bytesOut))
        }
    }
}
