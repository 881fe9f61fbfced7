/// Monotonic traffic counters of one router, bumped on the forwarding path
/// (plain integer adds on the router's event loop, no atomics): what it
/// routed in and wrote out, retransmissions included. The node's load
/// report counts its own totals as the packets leave (`NodeTrafficCounters`
/// in meet-sfu, turned into rates by its `LoadSampler`).
public struct TrafficCounters: Sendable, Hashable {
    public var packetsIn = 0
    public var bytesIn = 0
    public var packetsOut = 0
    public var bytesOut = 0

    public init() {}
}
