import MeetRTCP
import MeetRTP
@testable import MeetSFU

/// A synthetic path toward one subscriber, for the estimator and allocator
/// tests (#16 items 3, 4): a bottleneck of `capacity` bits/s with a FIFO
/// queue (a tbf-like shaper: packets that would wait more than `maxQueue`
/// are dropped), a fixed one-way delay, and a receiver that sends
/// transport-wide feedback every `feedbackInterval`. Everything runs on a
/// ``TestClock`` in 1 ms steps; the node side is the real
/// ``TransportWideSendHistory`` (stamping real packets) and
/// ``SendSideEstimator``, with feedback encoded and parsed as on the wire.
struct PathSimulation {
    var capacity: Int
    var oneWayDelay: Int64 = 20_000
    var maxQueue: Int64 = 250_000
    var feedbackInterval: Int64 = 50_000
    var packetSize = 1_200

    var clock = TestClock()
    var history: TransportWideSendHistory
    var estimator = SendSideEstimator()
    /// µs since the clock's origin.
    private(set) var time: Int64 = 0
    private var queueFreeAt: Int64 = 0
    private var credit = 0.0
    /// Sent and not yet reported: (number, arrival µs or nil if dropped, size), in order.
    private var inFlight: [(number: UInt16, arrival: Int64?, size: Int)] = []
    /// Probing (``ProbeController``), when the test turns it on: fed each feedback after the estimator.
    var probes: ProbeController?
    /// Padding bytes sent (probes).
    private(set) var paddingSent = 0
    private var nextFeedback: Int64
    private var feedbackCount: UInt8 = 0
    private var packet: [UInt8]
    /// Bytes delivered, for throughput.
    private(set) var delivered = 0

    static let extensionID: UInt8 = 3

    init(capacity: Int) {
        self.capacity = capacity
        let clock = TestClock()
        self.clock = clock
        history = TransportWideSendHistory(epoch: clock.origin)
        nextFeedback = 50_000
        // RTP header with X, the one-byte block: transport-cc (id 3, 2 bytes) and a pad byte.
        packet = [0x90, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xBE, 0xDE, 0, 1, Self.extensionID << 4 | 1, 0, 0, 0]
        packet += [UInt8](repeating: 0xAA, count: packetSize - packet.count)
    }

    var now: ContinuousClock.Instant { clock.now }

    /// Runs for `duration` sending at `rate()` bits/s (asked every millisecond).
    mutating func run(for duration: Duration, rate: (inout PathSimulation) -> Int) {
        let end = time + duration.nanosecondsValue / 1000
        while time < end {
            credit += Double(rate(&self)) / 1000 / 8
            while credit >= Double(packetSize) {
                credit -= Double(packetSize)
                sendOne()
            }
            if credit > Double(packetSize) * 10 { credit = Double(packetSize) * 10 }
            if time >= nextFeedback {
                nextFeedback += feedbackInterval
                deliverFeedback()
            }
            time += 1000
            clock.advance(.milliseconds(1))
        }
    }

    private mutating func sendOne() {
        send(packet)
    }

    /// Sends padding-only packets (``RTXPacket/padding(into:size:ssrc:sequenceNumber:timestamp:payloadType:transportWideID:)``)
    /// of `size` bytes, `bytes` in all (whole packets), now.
    mutating func sendPadding(bytes: Int, size: Int) {
        var buffer = [UInt8](repeating: 0, count: size)
        for _ in 0..<(bytes / size) {
            let length = buffer.withUnsafeMutableBytes {
                RTXPacket.padding(
                    into: $0, size: size, ssrc: 3, sequenceNumber: 0, timestamp: 0, payloadType: 97,
                    transportWideID: Self.extensionID)
            }
            precondition(length == size)
            paddingSent += size
            send(buffer)
        }
    }

    private mutating func send(_ packet: [UInt8]) {
        var bytes = packet
        let now = clock.now
        let stamped = bytes.withUnsafeMutableBytes { history.stamp($0, extensionID: Self.extensionID, now: now) }
        precondition(stamped)
        let number = UInt16(bytes[17]) << 8 | UInt16(bytes[18])
        let start = max(time, queueFreeAt)
        if start - time > maxQueue {
            inFlight.append((number, nil, bytes.count))
            return
        }
        queueFreeAt = start + Int64(bytes.count) * 8 * 1_000_000 / Int64(capacity)
        inFlight.append((number, queueFreeAt + oneWayDelay, bytes.count))
    }

    /// Feedback on every packet that has arrived (or was dropped before a later one arrived) by now.
    private mutating func deliverFeedback() {
        let lastArrived = inFlight.lastIndex { $0.arrival.map { $0 <= time } ?? false }
        guard let lastArrived else { return }
        let reported = inFlight[...lastArrived]
        inFlight.removeFirst(lastArrived + 1)
        let arrivals = reported.map { $0.arrival }
        delivered += reported.filter { $0.arrival != nil }.reduce(0) { $0 + $1.size }
        let feedback = RTCPTransportWideFeedback(
            senderSSRC: 1, mediaSSRC: 2, feedbackPacketCount: feedbackCount,
            baseSequenceNumber: reported.first!.number, arrivals: arrivals)
        feedbackCount &+= 1
        // On the wire and back, as the node reads it.
        var bytes: [UInt8] = []
        try! feedback.write(into: &bytes)
        let parsed = try! bytes.withUnsafeBytes { try RTCPTransportWideFeedback(parsing: $0) }
        let results = history.results(of: parsed)
        estimator.feedback(results, now: clock.now)
        probes?.feedback(results, estimator: &estimator, now: clock.now, micros: time)
    }

    var estimate: Int { estimator.estimate(now: clock.now) }
}
