import Metrics
import NIOCore

/// Datagrams one worker's socket received for another worker's peer
/// (``RTCSocketGroup``), copied into one buffer per target and read batch.
struct HandOffBatch: Sendable {
    struct Datagram: Sendable {
        var offset: Int
        var length: Int
        var kind: PacketClass
        var key: UDPAddressKey
        /// Only for STUN and DTLS (their handlers want one); media routes by `key`.
        var address: SocketAddress?
    }

    var bytes: ByteBuffer
    var datagrams: [Datagram] = []
}

/// A socket's hand-off state, loop-confined like the rest of the socket.
struct HandOffState {
    /// Validated remote address → the worker whose peer holds it (learned
    /// from the owner, ``RTCSocketGroup/learn(_:ownedBy:at:)``).
    var forwards: [UDPAddressKey: Int] = [:]
    /// Per target worker: what waits for the end of the read batch.
    var outbox: [HandOffBatch?] = []
    /// While a handed-off batch is handled: the worker it came from (a miss
    /// then is a drop, never a second hand-off).
    var origin: Int?
    /// Datagrams this socket handed to other workers (tests, benchmarks).
    var handedOff = 0

    mutating func prepare(workers: Int) {
        outbox = Array(repeating: nil, count: workers)
    }

    /// Copies a handed-off datagram in (at most 2048 bytes: NIO's and the reader's slot size).
    mutating func append(_ buffer: ByteBuffer, kind: PacketClass, key: UDPAddressKey, address: SocketAddress?, to target: Int, allocator: ByteBufferAllocator) {
        var batch = outbox[target] ?? HandOffBatch(bytes: allocator.buffer(capacity: 16 * 1500))
        let offset = batch.bytes.writerIndex
        var source = buffer
        batch.bytes.writeBuffer(&source)
        batch.datagrams.append(.init(offset: offset, length: buffer.readableBytes, kind: kind, key: key, address: address))
        outbox[target] = batch
        handedOff += 1
    }
}

/// The hand-off between the sockets of a group (docs/dev/sfu-workers.md):
/// a datagram whose source another worker's peer holds is copied into that
/// worker's outbox, and at the end of the read batch each non-empty outbox
/// goes to its worker's loop in one `EventLoop.execute` (one task and one
/// buffer per target and read batch, not per datagram). The owner handles it
/// as if its own socket had read it, answering from its own socket.
extension RTCSocket {
    /// True when the datagram went to another worker (or waits to). Never
    /// STUN: that goes by its ufrag (``handOffFirstContact(_:ufrag:from:)``),
    /// since a new peer elsewhere may have taken the address over.
    func handOffIfForeign(_ buffer: ByteBuffer, kind: PacketClass, key: UDPAddressKey, address: @autoclosure () -> SocketAddress?) -> Bool {
        guard kind != .stun, group != nil, handOff.origin == nil, let owner = handOff.forwards[key], owner != groupIndex else { return false }
        handOff.append(buffer, kind: kind, key: key, address: kind == .dtls ? address() : nil, to: owner, allocator: channel.allocator)
        metrics.handedOff.increment()
        return true
    }

    /// A non-STUN datagram from an address neither this socket's peers nor
    /// its table know: the group's shared table may (the owner validated it
    /// and its `learn` task has not run here yet). True when it was found
    /// and is now in this socket's table. A lock, but only on such misses.
    func learnOwnerOnMiss(_ key: UDPAddressKey) -> Bool {
        guard let group, handOff.origin == nil, let owner = group.owner(ofAddress: key), owner != groupIndex else { return false }
        handOff.forwards[key] = owner
        return true
    }

    /// A STUN Binding request for a ufrag this socket does not route: to its
    /// owner, if another worker registered it.
    func handOffFirstContact(_ buffer: ByteBuffer, ufrag: String, from address: SocketAddress) -> Bool {
        guard let group, handOff.origin == nil, let owner = group.owner(ofUfrag: ufrag), owner != groupIndex,
            let key = UDPAddressKey(address)
        else { return false }
        handOff.append(buffer, kind: .stun, key: key, address: address, to: owner, allocator: channel.allocator)
        metrics.handedOff.increment()
        return true
    }

    /// Sends each worker what waits for it; at the end of every read batch.
    func flushHandOffs() {
        guard let group else { return }
        for target in handOff.outbox.indices {
            guard let batch = handOff.outbox[target] else { continue }
            handOff.outbox[target] = nil
            let socket = group.sockets[target]
            let origin = groupIndex
            socket.eventLoop.execute { socket.receiveHandedOff(batch, from: origin) }
        }
    }

    /// Handles what another worker's socket received for a peer here.
    func receiveHandedOff(_ batch: HandOffBatch, from origin: Int) {
        assertOnOwningLoop()
        inReadBatch = true
        handOff.origin = origin
        for datagram in batch.datagrams {
            guard let buffer = batch.bytes.getSlice(at: datagram.offset, length: datagram.length) else { continue }
            if datagram.kind == .rtp || datagram.kind == .rtcp, let peer = routes.peer(forKey: datagram.key) {
                peer.receiveMedia(buffer, kind: datagram.kind)
            } else if let address = datagram.address {
                route(buffer, kind: datagram.kind, from: address)
            } else {
                countDrop(.unknownAddress)
            }
        }
        handOff.origin = nil
        inReadBatch = false
        flushWrites()
    }
}
