/// The load figures a node publishes in its registry record every second
/// (transports, publishers, subscribers, packet and bit rates in and out),
/// from which ServerWS computes a placement score. CPU is added by the node
/// process, which can read it; this library only counts traffic.
public struct LoadReport: Sendable, Hashable, Codable {
    public var transports: Int
    public var publishers: Int
    public var subscribers: Int
    public var packetsInPerSecond: Double
    public var packetsOutPerSecond: Double
    public var bitsInPerSecond: Double
    public var bitsOutPerSecond: Double

    public init(transports: Int = 0, publishers: Int = 0, subscribers: Int = 0,
                packetsInPerSecond: Double = 0, packetsOutPerSecond: Double = 0,
                bitsInPerSecond: Double = 0, bitsOutPerSecond: Double = 0) {
        self.transports = transports
        self.publishers = publishers
        self.subscribers = subscribers
        self.packetsInPerSecond = packetsInPerSecond
        self.packetsOutPerSecond = packetsOutPerSecond
        self.bitsInPerSecond = bitsInPerSecond
        self.bitsOutPerSecond = bitsOutPerSecond
    }

    /// Sums reports, e.g. of the routers on each event loop of one node.
    public static func + (lhs: LoadReport, rhs: LoadReport) -> LoadReport {
        LoadReport(
            transports: lhs.transports + rhs.transports,
            publishers: lhs.publishers + rhs.publishers,
            subscribers: lhs.subscribers + rhs.subscribers,
            packetsInPerSecond: lhs.packetsInPerSecond + rhs.packetsInPerSecond,
            packetsOutPerSecond: lhs.packetsOutPerSecond + rhs.packetsOutPerSecond,
            bitsInPerSecond: lhs.bitsInPerSecond + rhs.bitsInPerSecond,
            bitsOutPerSecond: lhs.bitsOutPerSecond + rhs.bitsOutPerSecond)
    }
}

/// Monotonic traffic counters, bumped on the forwarding path (plain integer
/// adds: one owner per event loop, no atomics).
public struct TrafficCounters: Sendable, Hashable {
    public var packetsIn = 0
    public var bytesIn = 0
    public var packetsOut = 0
    public var bytesOut = 0

    public init() {}
}

/// Turns counter snapshots into per-second rates over the interval between
/// two samples; the clock is passed in.
public struct LoadMeter: Sendable {
    private var last: (counters: TrafficCounters, at: ContinuousClock.Instant)?

    public init() {}

    /// Rates since the previous sample (zero on the first).
    public mutating func sample(
        _ counters: TrafficCounters, transports: Int, publishers: Int, subscribers: Int,
        now: ContinuousClock.Instant
    ) -> LoadReport {
        var report = LoadReport(transports: transports, publishers: publishers, subscribers: subscribers)
        if let last {
            let seconds = Double((now - last.at).nanosecondsValue) / 1e9
            if seconds > 0 {
                report.packetsInPerSecond = Double(counters.packetsIn - last.counters.packetsIn) / seconds
                report.packetsOutPerSecond = Double(counters.packetsOut - last.counters.packetsOut) / seconds
                report.bitsInPerSecond = Double(8 * (counters.bytesIn - last.counters.bytesIn)) / seconds
                report.bitsOutPerSecond = Double(8 * (counters.bytesOut - last.counters.bytesOut)) / seconds
            }
        }
        last = (counters, now)
        return report
    }
}
