/// What one subscriber connection actually received, in bits/s: the sizes
/// of the packets its transport-wide feedback acknowledged, over the last
/// `window` of their arrival times (libwebrtc's `AcknowledgedBitrateEstimator`,
/// simplified to a sliding window; 250 ms: short enough that a capacity drop
/// shows within the 500 ms the allocator has to react). The rate controller decreases to a
/// fraction of it and never grows far past it.
///
/// A ring of (arrival, bytes) reserved up front, `capacity` entries: a
/// feedback's packets go in oldest first; entries older than the window
/// or beyond the ring fall out. Sans-I/O; times are the subscriber's (µs).
public struct AckedBitrate: Sendable {
    public static let capacity = 1024
    public let window: Int64
    private var arrivals: [Int64]
    private var sizes: [Int]
    private var head = 0
    private var count = 0
    private var bytes = 0
    private var latest: Int64?

    /// - Parameter window: µs of arrivals the rate spans (250 ms by default).
    public init(window: Int64 = 250_000) {
        self.window = window
        arrivals = [Int64](repeating: 0, count: Self.capacity)
        sizes = [Int](repeating: 0, count: Self.capacity)
    }

    /// Adds one acknowledged packet. Arrivals earlier than the latest are
    /// taken as the latest (reordering does not shrink the window).
    public mutating func add(arrival: Int64, size: Int) {
        let time = max(arrival, latest ?? arrival)
        latest = time
        if count == Self.capacity { dropOldest() }
        let slot = (head + count) % Self.capacity
        arrivals[slot] = time
        sizes[slot] = size
        count += 1
        bytes += size
        while count > 0, time - arrivals[head] > window { dropOldest() }
    }

    private mutating func dropOldest() {
        bytes -= sizes[head]
        head = (head + 1) % Self.capacity
        count -= 1
    }

    /// Bits/s over the window; nil until it spans at least a quarter of it.
    /// n packets span n − 1 gaps, so the oldest one's bytes arrived before
    /// the span began and are left out (counting them read up to 2 × high
    /// on a short window).
    public var bitrate: Double? {
        guard count >= 2, let latest else { return nil }
        let span = latest - arrivals[head]
        guard span >= window / 4 else { return nil }
        return Double(bytes - sizes[head]) * 8 * 1_000_000 / Double(span)
    }
}
