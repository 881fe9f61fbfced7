import MeetRTC
import MeetSFU
import NIOCore

/// The event-loop state every transport of a node shares for sending media:
/// the preallocated ``PacketBatch`` the routers munge into and the table
/// that turns a batch destination (an `Int` handle) into a subscriber
/// transport.
///
/// The per-packet path, all on the socket's loop: a publisher's router
/// writes one munged copy per subscriber into `batch` → ``send(_:)``
/// protects each in place with its subscriber's outbound SRTP context →
/// the socket copies the protected bytes into its preallocated batched
/// writer (MeetRTC's `DatagramBatchWriter`) → one `sendmmsg(2)` at the end
/// of the read batch sends the whole fan-out. No `ByteBuffer`, no NIO write.
final class ForwardingPlane: @unchecked Sendable {
    let batch = PacketBatch(capacity: 256)
    let counters: NodeTrafficCounters
    private var subscribers: ContiguousArray<SubscriberTransport?> = []
    private var freeHandles: [Int] = []

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
            connection.sendProtectedRTP(bytes: UnsafeRawBufferPointer(batch.packet(at: index)))
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
