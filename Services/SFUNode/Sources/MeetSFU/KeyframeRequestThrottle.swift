/// Collapses keyframe requests (PLI, RFC 4585 §6.3.1; FIR, RFC 5104 §4.3.1)
/// from any number of subscribers of one track into at most one upstream
/// request per `interval`: a publisher asked by 100 subscribers at once must
/// not send 100 keyframes.
///
/// A request inside the window is not lost: it becomes pending and `poll`
/// releases it when the window ends, unless a keyframe arrived meanwhile
/// (which satisfies every waiting subscriber). Sans-I/O with the clock passed in.
public struct KeyframeRequestThrottle: Sendable {
    public let interval: Duration
    private var lastSentAt: ContinuousClock.Instant?
    private var pending = false
    /// The FIR command sequence number (RFC 5104 §4.3.1.1): one per new request.
    public private(set) var firSequenceNumber: UInt8 = 0
    /// Requests absorbed by the throttle.
    public private(set) var suppressed = 0

    public init(interval: Duration = .milliseconds(500)) {
        self.interval = interval
    }

    /// True when a request is waiting for the window to end.
    public var isPending: Bool { pending }

    /// A subscriber (or the router itself) wants a keyframe. Returns true
    /// when the caller should send PLI/FIR upstream now.
    public mutating func request(now: ContinuousClock.Instant) -> Bool {
        if let lastSentAt, now - lastSentAt < interval {
            suppressed += 1
            pending = true
            return false
        }
        send(now: now)
        return true
    }

    /// Called on the RTCP timer: true when a pending request is due now.
    public mutating func poll(now: ContinuousClock.Instant) -> Bool {
        guard pending, let lastSentAt, now - lastSentAt >= interval else { return false }
        send(now: now)
        return true
    }

    /// A keyframe arrived from the publisher: pending requests are answered.
    public mutating func keyframeReceived() {
        pending = false
    }

    private mutating func send(now: ContinuousClock.Instant) {
        lastSentAt = now
        pending = false
        firSequenceNumber &+= 1
    }
}
