/// A preallocated arena of outgoing plaintext packets, each addressed to a
/// subscriber handle: the router writes each subscriber's munged copy into a
/// slot, and the caller hands every slot to its egress (the node: MeetRTC's
/// `PeerEgress`, which protects it in place with that subscriber's own SRTP
/// context and queues it for one batched `sendmmsg`).
///
/// Each slot has `trailerRoom` spare bytes after the largest packet (the
/// caller says how many its egress needs), so protecting in place never
/// needs another buffer; the router knows nothing of SRTP. All memory is
/// allocated in `init`; `reset` makes the slots reusable.
public final class PacketBatch {
    public let capacity: Int
    /// The largest plaintext packet a slot takes.
    public let maximumPacketSize: Int
    /// Spare bytes after the largest packet, for the egress to protect in place.
    public let trailerRoom: Int
    /// Bytes per slot: packet plus trailer room.
    public let slotSize: Int
    public private(set) var count = 0

    private let storage: UnsafeMutableRawBufferPointer
    private let lengths: UnsafeMutableBufferPointer<Int>
    private let destinations: UnsafeMutableBufferPointer<Int>

    public init(capacity: Int = 256, maximumPacketSize: Int = RetransmissionCache.defaultSlotSize, trailerRoom: Int = 0) {
        precondition(capacity > 0 && trailerRoom >= 0)
        self.capacity = capacity
        self.maximumPacketSize = maximumPacketSize
        self.trailerRoom = trailerRoom
        slotSize = (maximumPacketSize + trailerRoom + 15) & ~15
        storage = .allocate(byteCount: capacity * slotSize, alignment: 16)
        lengths = .allocate(capacity: capacity)
        lengths.initialize(repeating: 0)
        destinations = .allocate(capacity: capacity)
        destinations.initialize(repeating: 0)
    }

    deinit {
        storage.deallocate()
        lengths.deallocate()
        destinations.deallocate()
    }

    public var isFull: Bool { count == capacity }
    public var isEmpty: Bool { count == 0 }

    /// Copies `packet` into the next slot for `destination` (the caller's
    /// subscriber handle) and returns the slot's packet bytes for in-place
    /// rewriting; nil when the batch is full or the packet too large.
    public func append(copying packet: UnsafeRawBufferPointer, destination: Int) -> UnsafeMutableRawBufferPointer? {
        guard count < capacity, packet.count <= maximumPacketSize else { return nil }
        let index = count
        let slot = self.slot(index)
        UnsafeMutableRawBufferPointer(rebasing: slot[0..<packet.count]).copyMemory(from: packet)
        lengths[index] = packet.count
        destinations[index] = destination
        count += 1
        return UnsafeMutableRawBufferPointer(rebasing: slot[0..<packet.count])
    }

    /// The subscriber handle of packet `index`.
    public func destination(at index: Int) -> Int { destinations[index] }

    /// The current length of packet `index`.
    public func length(at index: Int) -> Int { lengths[index] }

    /// The packet's bytes (its current length).
    public func packet(at index: Int) -> UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(rebasing: slot(index)[0..<lengths[index]])
    }

    /// The whole slot (packet and trailer room), for protecting in place.
    public func slot(_ index: Int) -> UnsafeMutableRawBufferPointer {
        precondition(index >= 0 && index < count || index == count && count < capacity)
        return UnsafeMutableRawBufferPointer(rebasing: storage[(index * slotSize)..<((index + 1) * slotSize)])
    }

    public func setLength(_ length: Int, at index: Int) {
        precondition(length <= slotSize)
        lengths[index] = length
    }

    /// Empties the batch; the memory is kept.
    public func reset() {
        count = 0
    }
}
