import MeetRTC
import NIOCore
import Testing

@Suite("RoutingTable")
struct RoutingTableTests {
    let a = try! SocketAddress(ipAddress: "127.0.0.1", port: 5000)
    let b = try! SocketAddress(ipAddress: "127.0.0.1", port: 5001)
    let c = try! SocketAddress(ipAddress: "::1", port: 5000)

    @Test("an address routes only after it is bound")
    func bindThenRoute() {
        var table = RoutingTable<String>()
        let registered = table.register("peer-1", ufrag: "u1")
        #expect(registered)
        #expect(table.peer(for: a) == nil)
        #expect(table.peer(forUfrag: "u1") == "peer-1")
        table.bind(a, toUfrag: "u1")
        #expect(table.peer(for: a) == "peer-1")
        #expect(table.peer(for: b) == nil)
        #expect(table.ufrag(for: a) == "u1")
    }

    @Test("binding to an unknown ufrag does nothing; a taken ufrag is refused")
    func unknownAndDuplicate() {
        var table = RoutingTable<String>()
        table.bind(a, toUfrag: "nobody")
        #expect(table.addressCount == 0)
        let first = table.register("peer-1", ufrag: "u1")
        let second = table.register("peer-2", ufrag: "u1")
        #expect(first && !second)
        #expect(table.peer(forUfrag: "u1") == "peer-1")
    }

    @Test("removing a peer removes its ufrag and every address")
    func removeLeavesNothing() {
        var table = RoutingTable<String>()
        table.register("peer-1", ufrag: "u1")
        table.register("peer-2", ufrag: "u2")
        table.bind(a, toUfrag: "u1")
        table.bind(c, toUfrag: "u1")
        table.bind(b, toUfrag: "u2")
        let removed = table.remove(ufrag: "u1")
        #expect(removed == "peer-1")
        #expect(table.peer(for: a) == nil)
        #expect(table.peer(for: c) == nil)
        #expect(table.peer(forUfrag: "u1") == nil)
        #expect(table.peer(for: b) == "peer-2")
        #expect(table.peerCount == 1)
        #expect(table.addressCount == 1)
        let again = table.remove(ufrag: "u1")
        #expect(again == nil)
    }

    @Test("an address moves to the peer that validated it last")
    func addressMoves() {
        var table = RoutingTable<String>()
        table.register("peer-1", ufrag: "u1")
        table.register("peer-2", ufrag: "u2")
        table.bind(a, toUfrag: "u1")
        table.bind(a, toUfrag: "u2")
        #expect(table.peer(for: a) == "peer-2")
        #expect(table.addresses(ofUfrag: "u1").isEmpty)
        table.remove(ufrag: "u1")
        #expect(table.peer(for: a) == "peer-2")
    }

    @Test("a peer holds at most maxAddressesPerPeer addresses, oldest evicted")
    func eviction() throws {
        var table = RoutingTable<String>(maxAddressesPerPeer: 2)
        table.register("peer-1", ufrag: "u1")
        let evictions = [table.bind(a, toUfrag: "u1"), table.bind(b, toUfrag: "u1"), table.bind(b, toUfrag: "u1"), table.bind(c, toUfrag: "u1")]
        #expect(evictions == [nil, nil, nil, a])
        #expect(table.peer(for: a) == nil)
        #expect(table.addresses(ofUfrag: "u1") == [b, c])
        table.unbind(b)
        #expect(table.addresses(ofUfrag: "u1") == [c])
        #expect(table.addressCount == 1)
    }
}
