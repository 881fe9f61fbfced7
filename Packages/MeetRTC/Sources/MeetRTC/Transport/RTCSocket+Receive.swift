import MeetSTUN
import Metrics
import NIOCore

/// The receive path of the socket (STYLE.md habit 5): classify each
/// datagram by its first byte (RFC 7983 §7), route it by its source address
/// (or, for media the batch reader drained, by its source key), and let a
/// new address in only through a STUN Binding request naming a registered
/// ufrag.
extension RTCSocket {
    /// Routes one received datagram (RFC 7983 §7, then by source address).
    func receive(_ buffer: ByteBuffer, from address: SocketAddress) {
        assertOnOwningLoop()
        metrics.datagramsIn.increment()
        let kind = PacketClass.classify(buffer)
        if kind == .unknown {
            countDrop(.unclassified)
            return
        }
        route(buffer, kind: kind, from: address)
    }

    /// Reads what NIO left waiting on the socket with the batch reader
    /// (`recvmmsg`, no allocation) and routes it like ``receive(_:from:)``:
    /// SRTP/SRTCP from a bound address goes to its peer by key; only STUN,
    /// DTLS and unknown sources get a `SocketAddress`. At most
    /// `maxDrainedDatagrams` per read batch, so one busy socket cannot hold
    /// the loop (NIO's level-triggered poll brings the rest next).
    func drainReceive() {
        assertOnOwningLoop()
        guard let reader else { return }
        var drained = 0
        while drained < Self.maxDrainedDatagrams {
            let count = reader.read()
            for index in 0..<count {
                metrics.datagramsIn.increment()
                let buffer = reader.datagram(at: index)
                let kind = PacketClass.classify(buffer)
                if kind == .unknown {
                    countDrop(.unclassified)
                    continue
                }
                if kind == .rtp || kind == .rtcp, let key = reader.sourceKey(at: index) {
                    if let peer = routes.peer(forKey: key) {
                        peer.receiveMedia(buffer, kind: kind)
                        continue
                    }
                    if handOffIfForeign(buffer, kind: kind, key: key, address: nil) { continue }
                }
                if let address = reader.sourceAddress(at: index) {
                    route(buffer, kind: kind, from: address)
                } else {
                    countDrop(.unclassified)
                }
            }
            drained += count
            if count < reader.capacity { break }
        }
    }

    /// Up to 16 recvmmsg batches of 16 per read batch, what NIO read before.
    static let maxDrainedDatagrams = 256

    /// Internal for the hand-off (`RTCSocket+HandOff.swift`).
    func route(_ buffer: ByteBuffer, kind: PacketClass, from address: SocketAddress) {
        if let peer = routes.peer(for: address) {
            peer.receive(buffer, kind: kind, from: address)
            return
        }
        // Another worker's peer validated this address (STUN goes by ufrag below:
        // a new peer may have taken the address over).
        if let key = UDPAddressKey(address), handOffIfForeign(buffer, kind: kind, key: key, address: address) {
            return
        }
        guard kind == .stun else {
            if let key = UDPAddressKey(address), learnOwnerOnMiss(key), handOffIfForeign(buffer, kind: kind, key: key, address: address) {
                return
            }
            countDrop(.unknownAddress)
            return
        }
        receiveFromNewAddress(buffer, from: address)
    }

    /// A STUN message from an address no peer holds yet: only a Binding request
    /// whose USERNAME starts with a registered local ufrag goes on, to that
    /// peer's ICE agent (RFC 8445 §7.3; the agent checks MESSAGE-INTEGRITY).
    private func receiveFromNewAddress(_ buffer: ByteBuffer, from address: SocketAddress) {
        guard let message = try? STUNMessage(parsing: buffer), message.type == .bindingRequest else {
            countDrop(.malformedSTUN)
            return
        }
        guard let ufrags = message.iceUsernameFragments, let peer = routes.peer(forUfrag: ufrags.recipient) else {
            if let ufrags = message.iceUsernameFragments, handOffFirstContact(buffer, ufrag: ufrags.recipient, from: address) {
                return
            }
            countDrop(.unknownUfrag)
            return
        }
        peer.ice.receive(message, from: address)
    }
}
