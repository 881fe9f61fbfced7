/// The last N plaintext packets of one published track, kept so subscriber
/// NACKs (RFC 4585 §6.2.1) are answered by the node instead of the publisher.
///
/// A fixed ring: `slotCount` slots of `slotSize` bytes allocated once in
/// `init`, indexed by extended sequence number modulo the slot count, so a
/// newer packet evicts the one `slotCount` numbers older and a lookup is one
/// index and one compare. Packets longer than a slot are not kept (counted in
/// `oversized`). Stored packets are publisher-numbered; the caller re-munges
/// and re-protects a copy for the subscriber.
///
/// Not thread-safe: owned by the router on one event loop.
public final class RetransmissionCache {
    /// 512 slots at 30 packets a frame is about half a second of 2 Mbit/s video.
    public static let defaultSlotCount = 512
    /// The largest RTP packet we forward (an Ethernet MTU).
    public static let defaultSlotSize = 1500

    public let slotCount: Int
    public let slotSize: Int
    /// Packets not cached because they were larger than `slotSize`.
    public private(set) var oversized = 0

    private let storage: UnsafeMutableRawBufferPointer
    private let sequenceNumbers: UnsafeMutableBufferPointer<Int64>
    private let lengths: UnsafeMutableBufferPointer<Int>

    public init(slotCount: Int = defaultSlotCount, slotSize: Int = defaultSlotSize) {
        precondition(slotCount > 0 && slotSize > 0)
        self.slotCount = slotCount
        self.slotSize = slotSize
        storage = .allocate(byteCount: slotCount * slotSize, alignment: 16)
        sequenceNumbers = .allocate(capacity: slotCount)
        sequenceNumbers.initialize(repeating: -1)
        lengths = .allocate(capacity: slotCount)
        lengths.initialize(repeating: 0)
    }

    deinit {
        storage.deallocate()
        sequenceNumbers.deallocate()
        lengths.deallocate()
    }

    /// Keeps a copy of `packet` under its extended sequence number.
    /// A reordered packet older than the ring's window is not kept.
    public func insert(_ packet: UnsafeRawBufferPointer, extendedSequenceNumber: Int64) {
        guard extendedSequenceNumber >= 0 else { return }
        guard packet.count <= slotSize else {
            oversized += 1
            return
        }
        let slot = index(of: extendedSequenceNumber)
        guard extendedSequenceNumber > sequenceNumbers[slot] else { return }
        let destination = UnsafeMutableRawBufferPointer(rebasing: storage[slot * slotSize..<(slot * slotSize + packet.count)])
        destination.copyMemory(from: packet)
        sequenceNumbers[slot] = extendedSequenceNumber
        lengths[slot] = packet.count
    }

    /// Whether `extendedSequenceNumber` was inserted, or its slot has since
    /// held a later number (too old to tell: taken as seen). False for a
    /// number within the window that never arrived (an oversized packet
    /// never counts as arrived).
    public func hasSeen(extendedSequenceNumber: Int64) -> Bool {
        guard extendedSequenceNumber >= 0 else { return true }
        return sequenceNumbers[index(of: extendedSequenceNumber)] >= extendedSequenceNumber
    }

    /// The stored packet, or nil when it was never seen or already evicted.
    /// The memory stays valid until the next `insert`.
    public func packet(extendedSequenceNumber: Int64) -> UnsafeRawBufferPointer? {
        guard extendedSequenceNumber >= 0 else { return nil }
        let slot = index(of: extendedSequenceNumber)
        guard sequenceNumbers[slot] == extendedSequenceNumber else { return nil }
        return UnsafeRawBufferPointer(rebasing: storage[slot * slotSize..<(slot * slotSize + lengths[slot])])
    }

    private func index(of sequenceNumber: Int64) -> Int {
        Int(sequenceNumber % Int64(slotCount))
    }
}
