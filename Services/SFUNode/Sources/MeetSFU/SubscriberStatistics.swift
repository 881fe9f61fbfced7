public import MeetRTCP

/// What one subscriber says about one down-track, from the report blocks in
/// its receiver reports (RFC 3550 §6.4.2): loss, jitter and round-trip time.
///
/// The RTT uses the sender reports *this node* sent the subscriber: each is
/// remembered with the local instant it left, and a report block whose LSR
/// matches one gives `RTT = (arrival − sent) − DLSR` on the node's monotonic
/// clock, whatever NTP time the sender report carried (the node forwards the
/// publisher's NTP time so subscribers can keep lip sync). Eight sender
/// reports are remembered in fixed storage.
public struct SubscriberStatistics: Sendable {
    public let clockRate: Int
    /// Fraction of packets lost in the subscriber's last interval (0...1).
    public private(set) var fractionLost: Double = 0
    /// Cumulative packets lost as the subscriber reports it.
    public private(set) var cumulativeLost: Int = 0
    /// Interarrival jitter at the subscriber, in seconds.
    public private(set) var jitterSeconds: Double = 0
    /// The latest round-trip time measured, if any.
    public private(set) var roundTripTime: Duration?
    /// Receiver reports processed.
    public private(set) var reports = 0

    private static let remembered = 8
    private var sent: [(compactNTP: UInt32, at: ContinuousClock.Instant)?]
    private var sentCount = 0

    public init(clockRate: Int) {
        self.clockRate = clockRate
        sent = Array(repeating: nil, count: Self.remembered)
    }

    /// The node sent this subscriber a sender report with `ntpTimestamp`.
    public mutating func senderReportSent(ntpTimestamp: UInt64, now: ContinuousClock.Instant) {
        sent[sentCount % Self.remembered] = (NTPTime.compact(ntpTimestamp), now)
        sentCount += 1
    }

    /// Applies one report block about this down-track, received `now`.
    public mutating func receiverReportReceived(_ block: RTCPReportBlock, now: ContinuousClock.Instant) {
        reports += 1
        fractionLost = Double(block.fractionLost) / 256
        cumulativeLost = Int(block.cumulativeLost)
        jitterSeconds = Double(block.jitter) / Double(clockRate)
        guard block.lastSenderReport != 0 else { return }
        for case let (compactNTP, sentAt)? in sent where compactNTP == block.lastSenderReport {
            let rtt = (now - sentAt) - NTPTime.duration(compact: block.delaySinceLastSenderReport)
            if rtt >= .zero { roundTripTime = rtt }
            return
        }
    }
}
