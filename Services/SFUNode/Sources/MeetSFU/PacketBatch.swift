import MeetSRTP

/// A preallocated arena of outgoing packets: the router writes each
/// subscriber's munged copy into a slot, the caller then protects every slot
/// in place with that subscriber's SRTP context and hands the whole batch to
/// the socket in one go (`sendmmsg`-style batched send).
///
/// Each slot has `SRTPContext.trailerRoom` spare bytes after the largest
/// packet, so protecting in place never needs another buffer. All memory is
/// allocated in `init`; `reset` makes the slots reusable.
public final class PacketBatch {
    public let capacity: Int
    /// The largest plaintext packet a slot takes.
    public let maximumPacketSize: Int
    /// Bytes per slot: packet plus SRTP trailer room.
    public let slotSize: Int
    public private(set) var count = 0

    private let storage: UnsafeMutableRawBufferPointer
    private let lengths: UnsafeMutableBufferPointer<Int>
    private let destinations: UnsafeMutableBufferPointer<Int>

    public init(capacity: Int = 256, maximumPacketSize: Int = RetransmissionCache.defaultSlotSize) {
        precondition(capacity > 0)
        self.capacity = capacity
        self.maximumPacketSize = maximumPacketSize
        slotSize = (maximumPacketSize + SRTPContext.trailerRoom + 15) & ~15
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

    /// The whole slot, for protecting in place (`protectRTP(slot, length:)`),
    /// then record the new length with `setLength`.
    public func slot(_ index: Int) -> UnsafeMutableRawBufferPointer {
        precondition(index >= 0 && index < count || index == count && count < capacity)
        return UnsafeMutableRawBufferPointer(rebasing: storage[(index * slotSize)..<((index + 1) * slotSize)])
    }

    public func setLength(_ length: Int, at index: Int) {
        precondition(length <= slotSize)
        lengths[index] = length
    }

    /// Protects every packet in place with the context `context(destination)`
    /// returns; a packet that fails is given length 0 (the caller skips it).
    /// Returns how many failed.
    @discardableResult
    public func protectAll(_ context: (Int) -> SRTPContext?) -> Int {
        var failures = 0
        for index in 0..<count {
            guard let srtp = context(destinations[index]),
                  let length = try? srtp.protectRTP(slot(index), length: lengths[index])
            else {
                lengths[index] = 0
                failures += 1
                continue
            }
            lengths[index] = length
        }
        return failures
    }

    /// Empties the batch; the memory is kept.
    public func reset() {
        count = 0
    }
}
