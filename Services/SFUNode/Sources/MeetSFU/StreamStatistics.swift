public import MeetRTCP

/// Reception statistics of one published stream as RFC 3550 Appendix A
/// defines them: packets, bytes, cumulative and per-interval loss (A.3),
/// interarrival jitter (A.8). They feed the node's metrics and the receiver
/// reports the node sends the publisher (`makeReportBlock`).
///
/// Arrival times are passed in; they are turned into RTP clock ticks against
/// the first packet's arrival, so jitter is in the stream's own units.
public struct StreamStatistics: Sendable {
    public let clockRate: Int
    public private(set) var packets: Int = 0
    public private(set) var bytes: Int = 0
    /// Jitter in RTP ticks (RFC 3550 §6.4.1 "interarrival jitter").
    public private(set) var jitter: Double = 0

    private var baseSequence: Int64 = 0
    private var highestSequence: Int64 = -1
    private var expectedPrior: Int64 = 0
    private var receivedPrior: Int = 0
    private var reference: ContinuousClock.Instant?
    private var lastTransit: Int64?
    private var lastSenderReport: (compactNTP: UInt32, receivedAt: ContinuousClock.Instant)?

    public init(clockRate: Int) {
        self.clockRate = clockRate
    }

    /// Packets the sequence numbers say were sent.
    public var expected: Int64 { highestSequence < 0 ? 0 : highestSequence - baseSequence + 1 }

    /// Cumulative packets lost (negative with duplicates, as RFC 3550 allows).
    public var lost: Int64 { expected - Int64(packets) }

    /// Jitter in seconds.
    public var jitterSeconds: Double { jitter / Double(clockRate) }

    /// Records one packet (extended sequence number and timestamp, total size).
    public mutating func packetReceived(
        extendedSequenceNumber: Int64, extendedTimestamp: Int64, size: Int, now: ContinuousClock.Instant
    ) {
        if highestSequence < 0 {
            baseSequence = extendedSequenceNumber
            highestSequence = extendedSequenceNumber
        } else if extendedSequenceNumber > highestSequence {
            highestSequence = extendedSequenceNumber
        } else if extendedSequenceNumber < baseSequence {
            baseSequence = extendedSequenceNumber
        }
        packets += 1
        bytes += size

        let reference = self.reference ?? now
        self.reference = reference
        let arrival = (now - reference).rtpTicks(clockRate: clockRate)
        let transit = arrival - extendedTimestamp
        if let lastTransit {
            let difference = Double(abs(transit - lastTransit))
            jitter += (difference - jitter) / 16
        }
        lastTransit = transit
    }

    /// The publisher sent a sender report (NTP timestamp, 64-bit); remembered
    /// for LSR/DLSR in our next report block.
    public mutating func senderReportReceived(ntpTimestamp: UInt64, now: ContinuousClock.Instant) {
        lastSenderReport = (NTPTime.compact(ntpTimestamp), now)
    }

    /// A report block for the publisher's `ssrc` (RFC 3550 §6.4.1); starts a
    /// new interval for `fractionLost`.
    public mutating func makeReportBlock(ssrc: UInt32, now: ContinuousClock.Instant) -> RTCPReportBlock {
        let expectedInterval = expected - expectedPrior
        let receivedInterval = Int64(packets - receivedPrior)
        expectedPrior = expected
        receivedPrior = packets
        let lostInterval = expectedInterval - receivedInterval
        let fraction: UInt8 = expectedInterval <= 0 || lostInterval <= 0
            ? 0 : UInt8(clamping: (lostInterval << 8) / expectedInterval)
        var lastSR: UInt32 = 0
        var delay: UInt32 = 0
        if let lastSenderReport {
            lastSR = lastSenderReport.compactNTP
            delay = NTPTime.compactDuration(now - lastSenderReport.receivedAt)
        }
        return RTCPReportBlock(
            ssrc: ssrc,
            fractionLost: fraction,
            cumulativeLost: Int32(clamping: min(max(lost, -0x80_0000), 0x7F_FFFF)),
            extendedHighestSequence: UInt32(truncatingIfNeeded: max(highestSequence, 0)),
            jitter: UInt32(clamping: Int64(jitter)),
            lastSenderReport: lastSR,
            delaySinceLastSenderReport: delay)
    }
}
