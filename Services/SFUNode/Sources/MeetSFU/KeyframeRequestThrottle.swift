/// Collapses keyframe requests (PLI, RFC 4585 §6.3.1; FIR, RFC 5104 §4.3.1)
/// from any number of subscribers of one track into at most one upstream
/// request per `interval`: a publisher asked by 100 subscribers at once must
/// not send 100 keyframes.
///
/// A request inside the window is not lost: it becomes pending and `poll`
/// releases it when the window ends, unless a keyframe arrived meanwhile
/// (which satisfies every waiting subscriber). Sans-I/O with the clock passed in.
///
/// A new subscriber (`requestForNewSubscriber`) waits less: once the
/// keyframe its predecessor asked for has arrived, its request goes out
/// `joinSpacing` (200 ms) after the previous one instead of `interval`
/// (500 ms) after it. Otherwise people joining one after another would each
/// wait up to half a second for their first picture; a request whose
/// keyframe is still on its way absorbs the join (that keyframe reaches the
/// new down-track too), and `joinSpacing` still bounds how many keyframes
/// joins can cost (5 a second).
public struct KeyframeRequestThrottle: Sendable {
    public let interval: Duration
    public let joinSpacing: Duration
    private var lastSentAt: ContinuousClock.Instant?
    /// When the held-back request may go; nil when none waits.
    private var pendingDue: ContinuousClock.Instant?
    /// True from a request until a keyframe arrives.
    private var awaitingKeyframe = false
    /// The FIR command sequence number (RFC 5104 §4.3.1.1): one per new request.
    public private(set) var firSequenceNumber: UInt8 = 0
    /// Requests absorbed by the throttle.
    public private(set) var suppressed = 0

    public init(interval: Duration = .milliseconds(500), joinSpacing: Duration = .milliseconds(200)) {
        self.interval = interval
        self.joinSpacing = min(joinSpacing, interval)
    }

    /// True when a request is waiting for the window to end.
    public var isPending: Bool { pendingDue != nil }

    /// True from a request sent until a keyframe arrives: the router must
    /// look at each packet for that keyframe then, even while no down-track
    /// waits for one (they may all have been paused meanwhile), or the
    /// throttle would go on believing one is on its way and space the next
    /// join or resume `interval` apart instead of `joinSpacing`.
    public var isAwaitingKeyframe: Bool { awaitingKeyframe }

    /// A subscriber (or the router itself) wants a keyframe. Returns true
    /// when the caller should send PLI/FIR upstream now.
    public mutating func request(now: ContinuousClock.Instant) -> Bool {
        request(now: now, spacing: interval)
    }

    /// A new subscriber's down-track wants its first keyframe. Returns true
    /// when the caller should send PLI/FIR upstream now.
    public mutating func requestForNewSubscriber(now: ContinuousClock.Instant) -> Bool {
        request(now: now, spacing: awaitingKeyframe ? interval : joinSpacing)
    }

    /// Called on the RTCP timer: true when a pending request is due now.
    public mutating func poll(now: ContinuousClock.Instant) -> Bool {
        guard let pendingDue, now >= pendingDue else { return false }
        send(now: now)
        return true
    }

    /// A keyframe arrived from the publisher: pending requests are answered.
    public mutating func keyframeReceived() {
        pendingDue = nil
        awaitingKeyframe = false
    }

    private mutating func request(now: ContinuousClock.Instant, spacing: Duration) -> Bool {
        if let lastSentAt, now - lastSentAt < spacing {
            suppressed += 1
            let due = lastSentAt + spacing
            pendingDue = min(pendingDue ?? due, due)
            return false
        }
        send(now: now)
        return true
    }

    private mutating func send(now: ContinuousClock.Instant) {
        lastSentAt = now
        pendingDue = nil
        awaitingKeyframe = true
        firSequenceNumber &+= 1
    }
}
