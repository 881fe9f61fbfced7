public import MeetRTP

/// Puts one stream's RTP packets back in sequence order (RFC 3550 §A.1
/// numbering, extended to 64 bits) before depacketizing, and decides when a
/// missing packet is lost: when `capacity` packets wait behind it, or the
/// oldest waiting one has waited `maxDelay` microseconds. Sans-I/O: the
/// caller passes the time in; memory is bounded by `capacity`.
///
/// The first packets are held (up to the window or the delay) before any is
/// released, so the stream may start with a packet that overtook its
/// predecessors (the first packet of a keyframe arriving second).
///
/// A sender that restarts its numbering (a jump backwards beyond the window)
/// would look "late" forever; after `capacity` late packets in a row the
/// buffer starts over at the new numbering instead.
public struct RTPReorderBuffer: Sendable {
    /// What the buffer releases, in order.
    public enum Output: Hashable, Sendable {
        case packet(RTPPacket)
        /// `count` packets before the next one will never come.
        case lost(count: Int64)
    }

    public let capacity: Int
    public let maxDelayMicroseconds: Int64
    /// Packets that arrived after their place was passed (dropped).
    public private(set) var latePackets = 0
    /// Packets received twice (the copy is dropped).
    public private(set) var duplicatePackets = 0

    private var unwrapper = RTPSequenceNumberUnwrapper()
    private var next: Int64?
    /// False until the first packet is released: until then an earlier packet moves the start back.
    private var started = false
    private var held: [Int64: (packet: RTPPacket, arrival: Int64)] = [:]
    private var lateStreak = 0

    public init(capacity: Int = 64, maxDelayMicroseconds: Int64 = 200_000) {
        precondition(capacity > 0 && maxDelayMicroseconds >= 0)
        self.capacity = capacity
        self.maxDelayMicroseconds = maxDelayMicroseconds
    }

    /// Takes one packet that arrived at `now` (microseconds); returns what is now in order.
    public mutating func insert(_ packet: RTPPacket, now: Int64) -> [Output] {
        let sequence = unwrapper.unwrap(packet.sequenceNumber)
        guard let expected = next else {
            next = sequence
            return store(packet, sequence, now)
        }
        if sequence < expected, !started, expected - sequence <= Int64(capacity) {
            next = sequence
        } else if sequence < expected {
            latePackets += 1
            lateStreak += 1
            if lateStreak > capacity { return restart(at: packet, now: now) }
            return []
        }
        lateStreak = 0
        if held[sequence] != nil {
            duplicatePackets += 1
            return []
        }
        return store(packet, sequence, now)
    }

    /// Gives up on holes the oldest waiting packet has waited `maxDelay` behind.
    public mutating func advance(now: Int64) -> [Output] {
        var out: [Output] = []
        while let oldest = held.values.map(\.arrival).min(), now - oldest >= maxDelayMicroseconds {
            skipToFirstHeld(into: &out)
        }
        return out
    }

    /// Releases everything held, holes counted as lost (at the end of a recording).
    public mutating func flush() -> [Output] {
        var out: [Output] = []
        while !held.isEmpty { skipToFirstHeld(into: &out) }
        return out
    }

    private mutating func store(_ packet: RTPPacket, _ sequence: Int64, _ now: Int64) -> [Output] {
        held[sequence] = (packet, now)
        var out: [Output] = []
        if started { drain(into: &out) }
        while held.count > capacity { skipToFirstHeld(into: &out) }
        return out
    }

    private mutating func restart(at packet: RTPPacket, now: Int64) -> [Output] {
        var out = flush()
        unwrapper = RTPSequenceNumberUnwrapper()
        let sequence = unwrapper.unwrap(packet.sequenceNumber)
        next = sequence
        lateStreak = 0
        out += store(packet, sequence, now)
        return out
    }

    private mutating func drain(into out: inout [Output]) {
        guard var expected = next else { return }
        while let entry = held.removeValue(forKey: expected) {
            out.append(.packet(entry.packet))
            expected += 1
        }
        next = expected
    }

    private mutating func skipToFirstHeld(into out: inout [Output]) {
        guard let first = held.keys.min(), let expected = next else { return }
        if first > expected { out.append(.lost(count: first - expected)) }
        next = first
        started = true
        drain(into: &out)
    }
}
