import MeetSRTP

/// The way out for a forwarder (the SFU node): plaintext RTP addressed by
/// peer handle, protected here with that peer's own outbound SRTP context
/// and queued on the socket's batched writer. (RTCP the forwarder makes
/// goes through the peer's own `sendRTCP(_:)`, protected here too.)
///
/// The forwarder registers each peer connection it sends to and gets an
/// `Int` handle (its routing tables' subscriber id). It writes plaintext
/// packets into memory of its own (a preallocated batch slot with
/// ``trailerRoom`` spare bytes after the packet) and hands each over with
/// ``sendRTP(_:length:to:)``: the packet is protected in place and the
/// socket copies it into its `sendmmsg(2)` batch, which leaves at the end of
/// the read batch, so a fan-out goes to the kernel in one call. Keys never
/// leave MeetRTC: the data flows one way, receive → route → protect → send.
///
/// Event loop only (the socket's, where every peer connection lives). No
/// allocation per packet: the table is a reserved array indexed by handle.
public final class PeerEgress {
    /// Bytes a slot needs after its plaintext packet for protecting in place
    /// (the SRTP authentication tag, or the SRTCP index and tag).
    public static let trailerRoom = SRTPContext.trailerRoom

    private var peers: ContiguousArray<PeerConnection?> = []
    private var freeHandles: [Int] = []

    public init(reservingCapacity capacity: Int = 256) {
        peers.reserveCapacity(capacity)
    }

    /// A handle for `peer` (reused after ``unregister(handle:)``).
    public func register(_ peer: PeerConnection) -> Int {
        if let handle = freeHandles.popLast() {
            peers[handle] = peer
            return handle
        }
        peers.append(peer)
        return peers.count - 1
    }

    /// Forgets the peer behind `handle`; packets for it are dropped from now on.
    public func unregister(handle: Int) {
        guard peers.indices.contains(handle), peers[handle] != nil else { return }
        peers[handle] = nil
        freeHandles.append(handle)
    }

    /// The peer behind `handle`, if registered.
    public func peer(_ handle: Int) -> PeerConnection? {
        peers.indices.contains(handle) ? peers[handle] : nil
    }

    /// Protects the plaintext RTP packet in the first `length` bytes of
    /// `slot` in place (the slot needs ``trailerRoom`` more) with the
    /// peer's outbound SRTP context, and queues it to the peer's selected
    /// address. Returns the protected length, or nil when the packet was
    /// dropped (no such peer, not connected, or not protectable).
    @discardableResult
    public func sendRTP(_ slot: UnsafeMutableRawBufferPointer, length: Int, to handle: Int) -> Int? {
        guard let peer = peer(handle) else { return nil }
        return peer.sendEgressRTP(slot, length: length)
    }
}
