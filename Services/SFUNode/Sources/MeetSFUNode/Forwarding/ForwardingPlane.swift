import MeetRTC
import MeetRTCP
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
    /// Wakes the worker's RTCP timer from its idle pace (docs/dev/sfu-idle.md).
    let activity = WorkerActivity()
    /// Indexed by egress handle.
    private var subscribers: ContiguousArray<SubscriberTransport?> = []
    /// Transport-wide numbering per handle (#16 item 3): the subscriber's
    /// transport-cc extension id (0: not negotiated, nothing stamped) and
    /// what was sent, for its feedback (``TransportWideSendHistory``).
    private var transportWideIDs: ContiguousArray<UInt8> = []
    private var sendHistories: ContiguousArray<TransportWideSendHistory?> = []
    /// The send histories' time base.
    let epoch = ContinuousClock.now

    init(counters: NodeTrafficCounters, eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
        self.counters = counters
        subscribers.reserveCapacity(256)
        transportWideIDs.reserveCapacity(256)
        sendHistories.reserveCapacity(256)
    }

    /// A handle for a subscriber transport (its batch destination), or -1
    /// when it has no connection.
    func register(_ subscriber: SubscriberTransport) -> Int {
        assertOnOwningLoop()
        guard let connection = subscriber.connection else { return -1 }
        let handle = egress.register(connection)
        while subscribers.count <= handle {
            subscribers.append(nil)
            transportWideIDs.append(0)
            sendHistories.append(nil)
        }
        subscribers[handle] = subscriber
        transportWideIDs[handle] = 0
        sendHistories[handle] = nil
        return handle
    }

    func unregister(handle: Int) {
        assertOnOwningLoop()
        guard subscribers.indices.contains(handle), subscribers[handle] != nil else { return }
        subscribers[handle] = nil
        transportWideIDs[handle] = 0
        sendHistories[handle] = nil
        egress.unregister(handle: handle)
    }

    func subscriber(_ handle: Int) -> SubscriberTransport? {
        assertOnOwningLoop()
        return subscribers.indices.contains(handle) ? subscribers[handle] : nil
    }

    /// Numbers what goes to `handle` with transport-wide sequence numbers in
    /// extension `id` (the subscriber's transport-cc id; 0 stops). The
    /// history starts over when the id changes.
    func setTransportWideID(_ id: UInt8, handle: Int) {
        assertOnOwningLoop()
        guard subscribers.indices.contains(handle), subscribers[handle] != nil, transportWideIDs[handle] != id else { return }
        transportWideIDs[handle] = id
        sendHistories[handle] = id == 0 ? nil : TransportWideSendHistory(epoch: epoch)
    }

    /// The transport-cc extension id numbered for `handle` (0: none).
    func transportWideID(handle: Int) -> UInt8 {
        transportWideIDs.indices.contains(handle) ? transportWideIDs[handle] : 0
    }

    /// Microseconds since the send histories' epoch (their send times' clock).
    func microseconds(_ instant: ContinuousClock.Instant) -> Int64 {
        (instant - epoch).nanosecondsValue / 1000
    }

    /// The packets a subscriber's transport-wide feedback reports on, with
    /// their send times and sizes (empty when nothing is numbered for it).
    func transportWideResults(
        handle: Int, feedback: RTCPTransportWideFeedback
    ) -> [TransportWideSendHistory.PacketResult] {
        assertOnOwningLoop()
        guard sendHistories.indices.contains(handle) else { return [] }
        return sendHistories[handle]?.results(of: feedback) ?? []
    }

    /// Hands every packet of `batch` to the egress, then empties it. Packets
    /// for a subscriber that is not connected (yet or any more) are dropped.
    /// Packets to a subscriber with transport-wide numbering get their
    /// number first (a slot write and a scan of the extension block).
    func send(_ batch: PacketBatch) {
        assertOnOwningLoop()
        guard !batch.isEmpty else { return }
        let now = ContinuousClock.now
        for index in 0..<batch.count {
            let destination = batch.destination(at: index)
            if destination >= 0, destination < transportWideIDs.count, transportWideIDs[destination] != 0 {
                _ = sendHistories[destination]?.stamp(
                    batch.packet(at: index), extensionID: transportWideIDs[destination], now: now)
            }
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
