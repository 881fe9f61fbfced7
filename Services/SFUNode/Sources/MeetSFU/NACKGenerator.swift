/// The receive log of one published stream: notices which sequence numbers
/// the publisher's packets skipped and says when to NACK them upstream
/// (RFC 4585 §6.2.1), with a retry limit, so the node repairs its own
/// ingress loss before its subscribers notice it.
///
/// Sans-I/O (STYLE habit 4): `packetReceived` records arrivals,
/// `collectDue(now:into:)` is called on the RTCP timer and fills a
/// caller-owned array, reused between calls. Missing entries live in an
/// array reserved once at `capacity`, kept in ascending order, so steady-state
/// operation allocates nothing. Compare pion/interceptor
/// `pkg/nack/receive_log.go` (a bitmap) and its generator's retry limit.
public struct NACKGenerator: Sendable {
    public struct Configuration: Sendable {
        /// Most missing packets tracked at once; a bigger gap is not worth
        /// repairing by NACK (ask for a keyframe instead).
        public var capacity: Int = 256
        /// Wait this long before the first NACK, so plain reordering is not
        /// reported as loss.
        public var reorderDelay: Duration = .milliseconds(10)
        /// Wait this long between NACKs for the same packet (about one RTT).
        public var retryInterval: Duration = .milliseconds(100)
        /// NACKs sent per missing packet before giving up.
        public var maxAttempts: Int = 5
        /// Forget a missing packet this long after noticing the gap.
        public var maxAge: Duration = .seconds(1)

        public init() {}
    }

    /// What one arrival meant.
    public enum Arrival: Sendable, Equatable {
        /// The next packet, or the first one.
        case inOrder
        /// A newer packet after a gap that is now tracked.
        case gap(missing: Int)
        /// A gap larger than `capacity`: tracking was reset; request a keyframe.
        case gapTooLarge
        /// A packet we had marked missing arrived (late or retransmitted).
        case recovered
        /// An older packet not tracked as missing (duplicate or too late).
        case duplicate
    }

    private struct Missing: Sendable {
        var sequenceNumber: Int64
        var noticedAt: ContinuousClock.Instant
        var lastSentAt: ContinuousClock.Instant?
        var attempts: Int
    }

    public let configuration: Configuration
    private var missing: ContiguousArray<Missing>
    private var highest: Int64?
    /// NACKs given up on (attempts or age exhausted).
    public private(set) var abandoned = 0

    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
        missing = []
        missing.reserveCapacity(configuration.capacity)
    }

    /// Missing packets tracked now.
    public var missingCount: Int { missing.count }

    /// Records the arrival of `sequenceNumber` (extended).
    public mutating func packetReceived(_ sequenceNumber: Int64, now: ContinuousClock.Instant) -> Arrival {
        guard let last = highest else {
            highest = sequenceNumber
            return .inOrder
        }
        if sequenceNumber == last + 1 {
            highest = sequenceNumber
            return .inOrder
        }
        if sequenceNumber > last {
            highest = sequenceNumber
            let gap = Int(clamping: sequenceNumber - last - 1)
            guard gap <= configuration.capacity else {
                missing.removeAll(keepingCapacity: true)
                return .gapTooLarge
            }
            let overflow = missing.count + gap - configuration.capacity
            if overflow > 0 {
                abandoned += overflow
                missing.removeSubrange(0..<overflow)
            }
            for lost in (last + 1)..<sequenceNumber {
                missing.append(Missing(sequenceNumber: lost, noticedAt: now, lastSentAt: nil, attempts: 0))
            }
            return .gap(missing: gap)
        }
        if let index = firstIndex(of: sequenceNumber) {
            missing.remove(at: index)
            return .recovered
        }
        return .duplicate
    }

    /// Appends the sequence numbers (16-bit, ascending) to NACK now and
    /// counts the attempt; drops entries past their attempts or age.
    public mutating func collectDue(now: ContinuousClock.Instant, into out: inout [UInt16]) {
        var index = 0
        while index < missing.count {
            let entry = missing[index]
            if entry.attempts >= configuration.maxAttempts || now - entry.noticedAt >= configuration.maxAge {
                missing.remove(at: index)
                abandoned += 1
                continue
            }
            let due = if let sent = entry.lastSentAt {
                now - sent >= configuration.retryInterval
            } else {
                now - entry.noticedAt >= configuration.reorderDelay
            }
            if due {
                out.append(UInt16(truncatingIfNeeded: entry.sequenceNumber))
                missing[index].lastSentAt = now
                missing[index].attempts += 1
            }
            index += 1
        }
    }

    /// Entries are ascending: binary search.
    private func firstIndex(of sequenceNumber: Int64) -> Int? {
        var low = 0
        var high = missing.count
        while low < high {
            let middle = (low + high) / 2
            if missing[middle].sequenceNumber < sequenceNumber { low = middle + 1 } else { high = middle }
        }
        return low < missing.count && missing[low].sequenceNumber == sequenceNumber ? low : nil
    }
}
