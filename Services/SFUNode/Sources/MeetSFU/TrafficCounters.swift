/// Monotonic traffic counters, bumped on the forwarding path (plain integer
/// adds: one owner per event loop, no atomics). The node turns successive
/// readings into the rates of its registry record (`SFUNodeLoad` in
/// MeetProtocol, computed by meet-sfu's `LoadSampler`).
public struct TrafficCounters: Sendable, Hashable {
    public var packetsIn = 0
    public var bytesIn = 0
    public var packetsOut = 0
    public var bytesOut = 0

    public init() {}
}
