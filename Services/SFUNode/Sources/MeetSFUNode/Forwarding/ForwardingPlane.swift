import MeetRTC
import MeetSFU
import NIOCore

/// The event-loop state every transport of a node shares for sending media:
/// the preallocated ``PacketBatch`` the routers munge into, the table that
/// turns a batch destination (an `Int` handle) into a subscriber transport,
/// and the ring of send buffers.
///
/// The per-packet path, all on the socket's loop: a publisher's router
/// writes one munged copy per subscriber into `batch` → ``send(_:)``
/// protects each in place with its subscriber's outbound SRTP context
/// (MeetSRTP, no allocation) → copies it into a pooled `ByteBuffer` → the
/// socket writes it; the socket flushes once per read batch, so NIO sends
/// the whole fan-out with `sendmmsg`.
final class ForwardingPlane: @unchecked Sendable {
    let batch = PacketBatch(capacity: 256)
    let counters: NodeTrafficCounters
    private var subscribers: ContiguousArray<SubscriberTransport?> = []
    private var freeHandles: [Int] = []
    private var pool = SendBufferPool()

    init(counters: NodeTrafficCounters) {
        self.counters = counters
        subscribers.reserveCapacity(256)
    }

    /// A handle for a subscriber transport (its batch destination).
    func register(_ subscriber: SubscriberTransport) -> Int {
        if let handle = freeHandles.popLast() {
            subscribers[handle] = subscriber
            return handle
        }
        subscribers.append(subscriber)
        return subscribers.count - 1
    }

    func unregister(handle: Int) {
        guard subscribers.indices.contains(handle), subscribers[handle] != nil else { return }
        subscribers[handle] = nil
        freeHandles.append(handle)
    }

    func subscriber(_ handle: Int) -> SubscriberTransport? {
        subscribers.indices.contains(handle) ? subscribers[handle] : nil
    }

    /// Protects and sends every packet of `batch`, then empties it. Packets
    /// for a subscriber that is not connected (yet or any more) are dropped.
    func send(_ batch: PacketBatch) {
        guard !batch.isEmpty else { return }
        batch.protectAll { handle in self.subscriber(handle)?.connection?.outboundSRTPContext }
        for index in 0..<batch.count {
            let length = batch.length(at: index)
            guard length > 0, let connection = subscriber(batch.destination(at: index))?.connection else { continue }
            let datagram = pool.buffer(copying: UnsafeRawBufferPointer(batch.packet(at: index)))
            connection.sendProtectedRTP(datagram)
            counters.packetsOut &+= 1
            counters.bytesOut &+= length
        }
        batch.reset()
    }
}

/// Packet and byte counts of the node (event loop only), read by the registry heartbeat.
final class NodeTrafficCounters: @unchecked Sendable {
    var packetsIn = 0
    var bytesIn = 0
    var packetsOut = 0
    var bytesOut = 0
}
