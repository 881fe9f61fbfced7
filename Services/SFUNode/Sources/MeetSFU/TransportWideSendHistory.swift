public import MeetRTCP

/// The send side of transport-wide congestion control toward one
/// subscriber connection (draft-holmer-rmcat-transport-wide-cc-extensions-01,
/// #16 item 3): the node numbers every packet it sends on the connection in
/// one sequence of its own, remembers when it sent each and how large it
/// was, and the subscriber's feedback says when each arrived. The
/// ``SendSideEstimator`` compares the two.
///
/// Forwarded packets already carry the publisher's transport-wide number
/// (a browser publisher negotiated the extension with us), renumbered by
/// ``ExtensionIDTable`` to the subscriber's id: ``stamp(_:extensionID:now:)``
/// overwrites those two bytes in place, so no byte moves. A packet without
/// the extension (a publisher that did not negotiate it) is sent as it is
/// and is not counted.
///
/// Per packet and allocation-free: a scan of the one-byte extension block
/// and three slot writes in rings reserved up front (`capacity` packets, a
/// few seconds of a busy connection). Reading feedback allocates, once per
/// feedback packet. A number older than the ring, never sent, or already
/// reported received is ignored, so bogus or repeated feedback cannot
/// mislead the estimator nor grow anything.
public struct TransportWideSendHistory: Sendable {
    /// Packets remembered (a power of two): ~1.5 s at 1 400 packets/s,
    /// many feedback intervals (browsers send one every 50–100 ms); 40 KiB.
    public static let capacity = 2048
    private static let mask = Int64(capacity - 1)

    /// One packet the feedback speaks of.
    public struct PacketResult: Sendable, Equatable {
        /// When we sent it (µs on our clock).
        public var sendTime: Int64
        /// When it arrived (µs on the subscriber's clock); nil when reported lost.
        public var arrivalTime: Int64?
        /// Its plaintext RTP size in bytes.
        public var size: Int

        public init(sendTime: Int64, arrivalTime: Int64?, size: Int) {
            self.sendTime = sendTime
            self.arrivalTime = arrivalTime
            self.size = size
        }
    }

    /// Extended number per slot (-1: free or already reported received).
    private var numbers: [Int64]
    private var sendTimes: [Int64]
    private var sizes: [Int32]
    /// The next extended number to send (its low 16 bits go on the wire).
    public private(set) var next: Int64 = 1
    private let epoch: ContinuousClock.Instant

    public init(epoch: ContinuousClock.Instant) {
        self.epoch = epoch
        numbers = [Int64](repeating: -1, count: Self.capacity)
        sendTimes = [Int64](repeating: 0, count: Self.capacity)
        sizes = [Int32](repeating: 0, count: Self.capacity)
    }

    /// Microseconds since the epoch on our clock (the estimator's time base).
    public func microseconds(_ instant: ContinuousClock.Instant) -> Int64 {
        (instant - epoch).nanosecondsValue / 1000
    }

    /// Writes the next transport-wide number into the packet's extension
    /// `extensionID` (two bytes, one-byte header form) and remembers it.
    /// False (nothing written or remembered) when the packet lacks it. Per packet.
    @inline(__always)
    public mutating func stamp(
        _ packet: UnsafeMutableRawBufferPointer, extensionID: UInt8, now: ContinuousClock.Instant
    ) -> Bool {
        guard let offset = Self.extensionOffset(in: UnsafeRawBufferPointer(packet), id: extensionID, length: 2) else {
            return false
        }
        let number = next
        next += 1
        packet[offset] = UInt8(truncatingIfNeeded: number >> 8)
        packet[offset + 1] = UInt8(truncatingIfNeeded: number)
        let slot = Int(number & Self.mask)
        numbers[slot] = number
        sendTimes[slot] = microseconds(now)
        sizes[slot] = Int32(truncatingIfNeeded: packet.count)
        return true
    }

    /// Where the data of one-byte extension `id` starts in `packet`, when its
    /// element is `length` bytes long (RFC 8285 §4.2); nil otherwise.
    @inline(__always)
    static func extensionOffset(in packet: UnsafeRawBufferPointer, id: UInt8, length: Int) -> Int? {
        guard (1...14).contains(id), packet.count >= 12, packet[0] & 0x10 != 0 else { return nil }
        let start = 12 + 4 * Int(packet[0] & 0x0F)
        guard start + 4 <= packet.count, packet[start] == 0xBE, packet[start + 1] == 0xDE else { return nil }
        var offset = start + 4
        let end = min(offset + 4 * (Int(packet[start + 2]) << 8 | Int(packet[start + 3])), packet.count)
        while offset < end {
            let byte = packet[offset]
            let elementID = byte >> 4
            if elementID == 0 {
                offset += 1
                continue
            }
            if elementID == 15 { return nil }
            let size = Int(byte & 0x0F) + 1
            if elementID == id {
                return size == length && offset + 1 + size <= end ? offset + 1 : nil
            }
            offset += 1 + size
        }
        return nil
    }

    /// The extended number nearest below `next` with these low 16 bits, if still remembered.
    private func extended(_ sequenceNumber: UInt16) -> Int64? {
        let last = next - 1
        let back = Int64(UInt16(truncatingIfNeeded: last) &- sequenceNumber)
        let number = last - back
        guard number >= 1, back < Int64(Self.capacity), numbers[Int(number & Self.mask)] == number else { return nil }
        return number
    }

    /// The packets `feedback` reports on that we remember, in sequence
    /// order, with their send times, arrivals and sizes. A packet reported
    /// received is forgotten (a repeat of the feedback adds nothing); one
    /// reported lost stays, in case a later feedback reports it after all.
    public mutating func results(of feedback: RTCPTransportWideFeedback) -> [PacketResult] {
        let arrivals = feedback.arrivals
        var results: [PacketResult] = []
        results.reserveCapacity(min(arrivals.count, Self.capacity))
        for (index, packet) in feedback.packets.enumerated() {
            guard let number = extended(packet.sequenceNumber) else { continue }
            let slot = Int(number & Self.mask)
            let arrival = arrivals[index]
            results.append(PacketResult(sendTime: sendTimes[slot], arrivalTime: arrival, size: Int(sizes[slot])))
            if arrival != nil { numbers[slot] = -1 }
        }
        return results
    }
}
