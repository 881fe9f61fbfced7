import MeetRTC
import MeetSFU
import NIOCore

/// The event-loop state every transport of a node shares for sending media:
/// the preallocated ``PacketBatch`` the routers munge into, MeetRTC's
/// ``PeerEgress``, whose peer handles are the batch destinations (and the
/// routers' subscriber ids), and the subscriber transport behind each handle
/// (for the RTCP the node relays to it).
///
/// The per-packet path, all on the socket's loop and one way: a publisher's
/// router writes one plaintext munged copy per subscriber into `batch` →
/// ``send(_:)`` hands each slot to the egress, addressed by handle → MeetRTC
/// protects it in place with that subscriber's own outbound SRTP context and
/// copies it into the socket's preallocated batched writer → one
/// `sendmmsg(2)` at the end of the read batch sends the whole fan-out. No
/// `ByteBuffer`, no NIO write, and no key leaves MeetRTC.
///
/// Confinement: not `Sendable` at all, so the compiler keeps it from
/// crossing to another task on its own; the ``TransportManager`` and the
/// transports that hold it are `Sendable` and confined to ``eventLoop`` (the
/// socket's), and the plane's entry points assert that loop (debug builds;
/// nothing per packet in release).
final class ForwardingPlane: EventLoopConfined {
    /// The socket's loop, which owns the plane and every transport using it.
    let eventLoop: any EventLoop
    let batch = PacketBatch(capacity: 256, trailerRoom: PeerEgress.trailerRoom)
    let egress = PeerEgress(reservingCapacity: 256)
    let counters: NodeTrafficCounters
    /// Indexed by egress handle.
    private var subscribers: ContiguousArray<SubscriberTransport?> = []

    init(counters: NodeTrafficCounters, eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
        self.counters = counters
        subscribers.reserveCapacity(256)
    }

    /// A handle for a subscriber transport (its batch destination), or -1
    /// when it has no connection.
    func register(_ subscriber: SubscriberTransport) -> Int {
        assertOnOwningLoop()
        guard let connection = subscriber.connection else { return -1 }
        let handle = egress.register(connection)
        while subscribers.count <= handle { subscribers.append(nil) }
        subscribers[handle] = subscriber
        return handle
    }

    func unregister(handle: Int) {
        assertOnOwningLoop()
        guard subscribers.indices.contains(handle), subscribers[handle] != nil else { return }
        subscribers[handle] = nil
        egress.unregister(handle: handle)
    }

    func subscriber(_ handle: Int) -> SubscriberTransport? {
        assertOnOwningLoop()
        return subscribers.indices.contains(handle) ? subscribers[handle] : nil
    }

    /// Hands every packet of `batch` to the egress, then empties it. Packets
    /// for a subscriber that is not connected (yet or any more) are dropped.
    func send(_ batch: PacketBatch) {
        assertOnOwningLoop()
        guard !batch.isEmpty else { return }
        for index in 0..<batch.count {
            // The bytes out are the protected datagram's, as they leave.
            guard let sent = egress.sendRTP(batch.slot(index), length: batch.length(at: index), to: batch.destination(at: index))
            else { continue }
            counters.packetsOut &+= 1
            counters.bytesOut &+= sent
        }
        batch.reset()
    }
}

/// Packet and byte counts of the node, read by the registry heartbeat
/// through ``TransportManager``'s `snapshot()` on the loop. Event loop only,
/// like the ``ForwardingPlane`` that counts into it: not `Sendable`, so it
/// cannot leave the loop-confined objects that hold it; the counting itself
/// is per packet and stays unchecked at run time (plain increments).
final class NodeTrafficCounters {
    var packetsIn = 0
    var bytesIn = 0
    var packetsOut = 0
    var bytesOut = 0
}
