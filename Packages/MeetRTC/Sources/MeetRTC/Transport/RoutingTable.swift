public import NIOCore

/// Which peer connection a datagram on the shared UDP port belongs to.
///
/// Datagrams are routed by their source address. An address is only added
/// (`bind`) after the peer's ICE agent accepted an authenticated Binding
/// request from it; a new address is found through the local ufrag in the
/// request's USERNAME (`peer(forUfrag:)`), as pion/ice's UDP mux and
/// mediasoup's `WebRtcTransport::OnPacketReceived` do. Removing a peer removes
/// every address and the ufrag it held, so closed peers leave nothing behind.
///
/// A plain value with no locks: it is owned by the socket's event loop.
public struct RoutingTable<Peer>: Sendable where Peer: Sendable {
    /// The most addresses one peer may hold (ICE may validate several pairs, and
    /// a client may move); binding another evicts the oldest.
    public let maxAddressesPerPeer: Int

    private struct Entry: Sendable {
        var peer: Peer
        var ufrag: String
        /// Oldest first.
        var addresses: [SocketAddress]
    }

    private var entries: [String: Entry] = [:]
    /// One lookup per datagram: the address leads straight to the peer. Keyed
    /// by ``UDPAddressKey`` so a datagram read without a `SocketAddress`
    /// (``DatagramBatchReader``) finds its peer without allocating.
    private var byAddress: [UDPAddressKey: (ufrag: String, peer: Peer)] = [:]

    public init(maxAddressesPerPeer: Int = 4) {
        precondition(maxAddressesPerPeer > 0)
        self.maxAddressesPerPeer = maxAddressesPerPeer
    }

    /// Number of registered peers.
    public var peerCount: Int { entries.count }
    /// Every registered peer, in no particular order.
    public var allPeers: [Peer] { entries.values.map(\.peer) }

    /// Number of bound addresses over all peers.
    public var addressCount: Int { byAddress.count }

    /// Registers `peer` under its local ICE ufrag. Returns false (and changes
    /// nothing) when the ufrag is already taken.
    @discardableResult
    public mutating func register(_ peer: Peer, ufrag: String) -> Bool {
        guard entries[ufrag] == nil else { return false }
        entries[ufrag] = Entry(peer: peer, ufrag: ufrag, addresses: [])
        return true
    }

    /// Removes the peer registered under `ufrag` and all its addresses.
    @discardableResult
    public mutating func remove(ufrag: String) -> Peer? {
        guard let entry = entries.removeValue(forKey: ufrag) else { return nil }
        for address in entry.addresses {
            guard let key = UDPAddressKey(address), byAddress[key]?.ufrag == ufrag else { continue }
            byAddress.removeValue(forKey: key)
        }
        return entry.peer
    }

    /// The peer a datagram from `address` belongs to, if the address was validated.
    public func peer(for address: SocketAddress) -> Peer? { UDPAddressKey(address).flatMap { byAddress[$0]?.peer } }

    /// The peer a datagram from the address `key` stands for belongs to, if validated.
    func peer(forKey key: UDPAddressKey) -> Peer? { byAddress[key]?.peer }

    /// The local ufrag of the peer bound to `address`.
    public func ufrag(for address: SocketAddress) -> String? { UDPAddressKey(address).flatMap { byAddress[$0]?.ufrag } }

    /// The peer whose local ufrag is `ufrag` (the part of a Binding request's
    /// USERNAME before the colon, RFC 8445 §7.2.2).
    public func peer(forUfrag ufrag: String) -> Peer? { entries[ufrag]?.peer }

    /// The addresses bound to the peer, oldest first.
    public func addresses(ofUfrag ufrag: String) -> [SocketAddress] { entries[ufrag]?.addresses ?? [] }

    /// Binds a validated `address` to the peer registered under `ufrag`. An
    /// address bound to another peer moves (the other peer's client went away
    /// and the port was reused). Returns the address evicted to respect
    /// `maxAddressesPerPeer`, if any.
    @discardableResult
    public mutating func bind(_ address: SocketAddress, toUfrag ufrag: String) -> SocketAddress? {
        guard var entry = entries[ufrag], let key = UDPAddressKey(address) else { return nil }
        if let previous = byAddress[key]?.ufrag {
            if previous == ufrag { return nil }
            entries[previous]?.addresses.removeAll { $0 == address }
        }
        byAddress[key] = (ufrag, entry.peer)
        entry.addresses.append(address)
        var evicted: SocketAddress?
        if entry.addresses.count > maxAddressesPerPeer {
            let oldest = entry.addresses.removeFirst()
            if let oldestKey = UDPAddressKey(oldest) { byAddress.removeValue(forKey: oldestKey) }
            evicted = oldest
        }
        entries[ufrag] = entry
        return evicted
    }

    /// Moves the peer registered under `ufrag` to `newUfrag`, keeping its
    /// bound addresses (an ICE restart, RFC 8839 §4.4.1.1.1: media keeps
    /// flowing on the old pair while the new credentials are checked). The
    /// old ufrag no longer finds the peer. Returns false (and changes
    /// nothing) when `ufrag` is unknown or `newUfrag` taken.
    @discardableResult
    public mutating func rename(ufrag: String, to newUfrag: String) -> Bool {
        guard ufrag != newUfrag, entries[newUfrag] == nil, var entry = entries.removeValue(forKey: ufrag) else { return false }
        entry.ufrag = newUfrag
        for address in entry.addresses {
            guard let key = UDPAddressKey(address), byAddress[key]?.ufrag == ufrag else { continue }
            byAddress[key] = (newUfrag, entry.peer)
        }
        entries[newUfrag] = entry
        return true
    }

    /// Unbinds one address (consent for it expired).
    public mutating func unbind(_ address: SocketAddress) {
        guard let key = UDPAddressKey(address), let ufrag = byAddress.removeValue(forKey: key)?.ufrag else { return }
        entries[ufrag]?.addresses.removeAll { $0 == address }
    }
}
