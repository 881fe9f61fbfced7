import CMeetUDP
public import Logging
import NIOConcurrencyHelpers
public import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One UDP port served by several ``RTCSocket``s, one per event loop (a
/// node's workers), all bound with `SO_REUSEPORT` (docs/dev/sfu-workers.md).
///
/// The kernel picks the socket for a datagram by hashing its 4-tuple, not by
/// which loop holds the peer it is for, so a socket can receive datagrams for
/// another worker's peer. Those are handed to the owning socket, batched per
/// read batch (`RTCSocket+HandOff.swift`); the owner answers from its own
/// socket, which has the same local port, so the client sees one address.
///
/// How a socket knows the owner, without a lock per packet:
/// - A STUN Binding request from an address it does not route names the
///   peer's local ufrag: the group's ufrag directory (below, behind a lock,
///   read only on such first contacts and consent checks) says which socket
///   registered it.
/// - When the owner validates that address (ICE), it tells the socket the
///   request came through (one `execute` per validation), which keeps the
///   address → owner entry in its own loop-confined table; DTLS, RTP and
///   RTCP from there are handed over with one dictionary look-up on the
///   receiving loop.
/// - When the owner drops the address or the peer, every other socket
///   forgets the entry (one `execute` each, control-path rate).
public final class RTCSocketGroup: Sendable {
    /// The workers' sockets, index = worker.
    public let sockets: [RTCSocket]
    /// Local ufrag → index of the socket whose peer registered it.
    private let ufragOwners = NIOLockedValueBox<[String: Int]>([:])
    /// Validated address → owner, written before the owner's STUN answer
    /// leaves: read only when a socket misses in its own table (a DTLS
    /// record that overtook the `learn` task, or traffic nobody validated).
    private let addressOwners = NIOLockedValueBox<[UDPAddressKey: Int]>([:])

    /// The port they share.
    public var localAddress: SocketAddress { sockets[0].localAddress }

    private init(sockets: [RTCSocket]) {
        self.sockets = sockets
    }

    /// Binds one socket per loop on `host`:`port` (0: the first picks a free
    /// port, the others join it). One loop binds a plain socket (no
    /// `SO_REUSEPORT`, no hand-off), as ``RTCSocket/bind(host:port:group:logger:metrics:)``.
    /// More than one needs `sendmmsg` (Linux); elsewhere only the first loop is used.
    public static func bind(
        host: String, port: Int, loops: [any EventLoop], logger: Logger = Logger(label: "meet.rtc.socket"),
        metrics: RTCMetrics = .shared
    ) async throws -> RTCSocketGroup {
        precondition(!loops.isEmpty, "a socket group needs a loop")
        let loops = DatagramBatchWriter.isSupported ? loops : [loops[0]]
        let shared = loops.count > 1
        // `SO_REUSEPORT` would let a second process (a stale or draining node
        // of the same user) join a fixed port silently and take half the
        // clients: a plain bind first makes that conflict fail loudly.
        if shared && port != 0 { try probeExclusive(host: host, port: port) }
        var sockets: [RTCSocket] = []
        do {
            for loop in loops {
                let socket = try await RTCSocket.bind(
                    host: host, port: sockets.first?.localAddress.port ?? port, group: loop, logger: logger,
                    metrics: metrics, writerCapacity: DatagramBatchWriter.defaultCapacity, reusePort: shared)
                sockets.append(socket)
            }
        } catch {
            for socket in sockets { try? await socket.close() }
            throw error
        }
        let group = RTCSocketGroup(sockets: sockets)
        if shared {
            for (index, socket) in sockets.enumerated() {
                try await socket.eventLoop.submit {
                    socket.group = group
                    socket.groupIndex = index
                    socket.handOff.prepare(workers: sockets.count)
                }.get()
            }
        }
        return group
    }

    /// Binds and closes a plain UDP socket (no `SO_REUSEPORT`) on the port:
    /// EADDRINUSE when anyone holds it.
    static func probeExclusive(host: String, port: Int) throws {
        let address = try SocketAddress.makeAddressResolvingHost(host, port: port)
        #if canImport(Glibc)
        let descriptor = Glibc.socket(address.protocol.rawValue, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { throw IOError(errnoCode: errno, reason: "socket") }
        defer { _ = Glibc.close(descriptor) }
        let result = address.withSockAddr { pointer, length in Glibc.bind(descriptor, pointer, socklen_t(length)) }
        #else
        let descriptor = Darwin.socket(address.protocol.rawValue, SOCK_DGRAM, 0)
        guard descriptor >= 0 else { throw IOError(errnoCode: errno, reason: "socket") }
        defer { _ = Darwin.close(descriptor) }
        let result = address.withSockAddr { pointer, length in Darwin.bind(descriptor, pointer, socklen_t(length)) }
        #endif
        guard result == 0 else { throw IOError(errnoCode: errno, reason: "bind \(host):\(port)") }
    }

    /// How many datagrams each socket handed to another worker so far.
    public func handedOffCounts() async throws -> [Int] {
        var counts: [Int] = []
        for socket in sockets { counts.append(try await socket.eventLoop.submit { socket.handOff.handedOff }.get()) }
        return counts
    }

    /// Closes every socket and its peers.
    public func close() async throws {
        for socket in sockets { try await socket.close() }
    }

    // MARK: The ufrag directory (signaling rate)

    func claim(ufrag: String, by index: Int) {
        ufragOwners.withLockedValue { $0[ufrag] = index }
    }

    func release(ufrag: String, by index: Int) {
        ufragOwners.withLockedValue { owners in
            if owners[ufrag] == index { owners.removeValue(forKey: ufrag) }
        }
    }

    /// Which socket's peer holds `ufrag` (a first contact from a new address).
    func owner(ofUfrag ufrag: String) -> Int? {
        ufragOwners.withLockedValue { $0[ufrag] }
    }

    // MARK: Address hand-off tables (validation rate)

    /// Tells socket `origin` that `address` belongs to socket `owner`. The
    /// shared entry is written at once, so a datagram the client sends on
    /// our STUN answer finds its owner even if it reaches `origin` before
    /// the task does (NIO runs a loop's reads before its tasks).
    func learn(_ address: SocketAddress, ownedBy owner: Int, at origin: Int) {
        guard let key = UDPAddressKey(address), sockets.indices.contains(origin) else { return }
        addressOwners.withLockedValue { $0[key] = owner }
        let socket = sockets[origin]
        socket.eventLoop.execute { socket.handOff.forwards[key] = owner }
    }

    /// The owner of a validated address, for a socket whose own table
    /// misses (``learn(_:ownedBy:at:)``).
    func owner(ofAddress key: UDPAddressKey) -> Int? {
        addressOwners.withLockedValue { $0[key] }
    }

    /// Entries in the shared address table (tests: it stays bounded).
    public var sharedAddressCount: Int { addressOwners.withLockedValue { $0.count } }

    /// Tells every other socket that `addresses` no longer belong to `owner`.
    func forget(_ addresses: [SocketAddress], ownedBy owner: Int) {
        let keys = addresses.compactMap(UDPAddressKey.init)
        guard !keys.isEmpty else { return }
        addressOwners.withLockedValue { owners in
            for key in keys where owners[key] == owner { owners.removeValue(forKey: key) }
        }
        for (index, socket) in sockets.enumerated() where index != owner {
            socket.eventLoop.execute {
                for key in keys where socket.handOff.forwards[key] == owner {
                    socket.handOff.forwards.removeValue(forKey: key)
                }
            }
        }
    }
}

extension RTCSocketGroup {
    /// Makes the kernel deliver every datagram of the port to socket
    /// `index` (a classic BPF program on the reuseport group), so that every
    /// other worker's peers are reached only through the hand-off: for tests
    /// and meet-sfu-bench's worst case, never in production.
    public func steerAll(to index: Int) throws {
        guard sockets.count > 1, sockets.indices.contains(index), let descriptor = sockets[0].writer?.descriptor else {
            throw IOError(errnoCode: EINVAL, reason: "steer")
        }
        guard meet_udp_steer_all(descriptor, UInt32(index)) == 0 else { throw IOError(errnoCode: errno, reason: "setsockopt") }
    }
}
