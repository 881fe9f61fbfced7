import Foundation
import MeetProtocol

/// Turns successive cumulative readings (traffic counters, process CPU time)
/// into the rates of a load report. A value type with the time passed in, so
/// tests drive it without clocks.
struct LoadSampler {
    /// One cumulative reading.
    struct Reading: Equatable {
        var snapshot: TransportSnapshot
        /// Process CPU seconds (user + system) so far; nil when unknown.
        var cpuSeconds: Double?
        /// Monotonic seconds.
        var time: Double
    }

    private var previous: Reading?

    /// The load since the previous reading (zero rates for the first one).
    mutating func load(for reading: Reading) -> SFUNodeLoad {
        defer { previous = reading }
        let now = reading.snapshot
        var load = SFUNodeLoad(
            transports: now.publishers + now.subscribers, publishers: now.publishers, subscribers: now.subscribers)
        guard let previous, reading.time > previous.time else { return load }
        let seconds = reading.time - previous.time
        let before = previous.snapshot
        func rate(_ a: Int, _ b: Int) -> Double { Double(max(0, a - b)) / seconds }
        load.packetsInPerSecond = rate(now.packetsIn, before.packetsIn)
        load.packetsOutPerSecond = rate(now.packetsOut, before.packetsOut)
        load.bitsInPerSecond = 8 * rate(now.bytesIn, before.bytesIn)
        load.bitsOutPerSecond = 8 * rate(now.bytesOut, before.bytesOut)
        if let cpu = reading.cpuSeconds, let cpuBefore = previous.cpuSeconds {
            load.cpu = max(0, cpu - cpuBefore) / seconds
        }
        return load
    }

    /// User + system CPU seconds of this process (`getrusage`, cheap).
    static func processCPUSeconds() -> Double? {
        var usage = rusage()
        #if canImport(Glibc)
        let who = __rusage_who_t(RUSAGE_SELF.rawValue)
        #else
        let who = RUSAGE_SELF
        #endif
        guard getrusage(who, &usage) == 0 else { return nil }
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1_000_000 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}
