public import MeetRTCP
import MeetRTP

/// When each packet of one publisher's connection arrived, by its
/// transport-wide sequence number, until reported back in transport-wide
/// congestion control feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1).
///
/// The sender (a browser) runs the congestion controller: it compares when
/// it sent each packet with when we say it arrived, sees queues grow before
/// loss, and sets its encoder's bitrate from that. The SFU only has to
/// report arrivals faithfully and often (every ~50 ms); without this, a
/// browser estimates from loss alone and ramps up slowly.
///
/// Recording is allocation-free (one slot write in a ring reserved up front,
/// `capacity` packets deep): it runs per packet. Building a feedback packet
/// allocates, once per feedback interval. A packet that arrives after the
/// feedback covering its number went out is not reported again (the sender
/// already counted it lost); a jump of more than `capacity` numbers starts over.
public struct TransportWideFeedbackLog {
    /// Packets tracked at most between two feedbacks (a power of two).
    public static let capacity = 8192
    /// Packets described by one feedback packet at most, so it stays well
    /// under the MTU (1–2 bytes of delta each plus status chunks); the rest
    /// goes in the next one.
    public static let maximumPerFeedback = 500

    private static let empty = Int64.min
    private var arrivals: [Int64]
    private var unwrapper = RTPSequenceNumberUnwrapper()
    /// The first extended number not yet reported; nil before the first packet.
    private var next: Int64?
    private var highest: Int64 = -1
    private var feedbackCount: UInt8 = 0
    /// The media SSRC named in feedback: the last one seen (senders ignore it).
    private var mediaSSRC: UInt32 = 0
    private let epoch: ContinuousClock.Instant

    public init(epoch: ContinuousClock.Instant = .now) {
        self.epoch = epoch
        self.arrivals = [Int64](repeating: Self.empty, count: Self.capacity)
    }

    /// Numbers received and not yet reported (and the gaps among them).
    public var pending: Int {
        guard let next, highest >= next else { return 0 }
        return Int(highest - next + 1)
    }

    /// Notes that the packet numbered `sequenceNumber` arrived `now`. Per packet; allocation-free.
    public mutating func record(_ sequenceNumber: UInt16, mediaSSRC: UInt32, at now: ContinuousClock.Instant) {
        let extended = unwrapper.unwrap(sequenceNumber)
        self.mediaSSRC = mediaSSRC
        guard let start = next else {
            next = extended
            highest = extended
            store(extended, now)
            return
        }
        guard extended >= start else { return }  // already reported as lost
        if extended - start >= Int64(Self.capacity) {
            // Far ahead of what is unreported (a sender restart, or no feedback for
            // thousands of packets): forget the old range rather than report it.
            for index in arrivals.indices { arrivals[index] = Self.empty }
            next = extended
        }
        if extended > highest { highest = extended }
        store(extended, now)
    }

    private mutating func store(_ extended: Int64, _ now: ContinuousClock.Instant) {
        let slot = Int(extended & Int64(Self.capacity - 1))
        // A duplicate keeps its first arrival.
        if arrivals[slot] == Self.empty { arrivals[slot] = (now - epoch).nanosecondsValue / 1000 }
    }

    /// Feedback for everything received since the last call (at most
    /// `maximumPerFeedback` numbers), or nil when nothing is pending.
    public mutating func makeFeedback(senderSSRC: UInt32) -> RTCPTransportWideFeedback? {
        guard let start = next, highest >= start else { return nil }
        let count = Int(min(highest - start + 1, Int64(Self.maximumPerFeedback)))
        var times = [Int64?]()
        times.reserveCapacity(count)
        for extended in start..<(start + Int64(count)) {
            let slot = Int(extended & Int64(Self.capacity - 1))
            times.append(arrivals[slot] == Self.empty ? nil : arrivals[slot])
            arrivals[slot] = Self.empty
        }
        next = start + Int64(count)
        let feedback = RTCPTransportWideFeedback(
            senderSSRC: senderSSRC, mediaSSRC: mediaSSRC, feedbackPacketCount: feedbackCount,
            baseSequenceNumber: UInt16(truncatingIfNeeded: start), arrivals: times)
        feedbackCount &+= 1
        return feedback
    }
}
