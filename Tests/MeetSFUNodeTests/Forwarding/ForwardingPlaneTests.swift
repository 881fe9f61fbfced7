import Logging
import MeetRTC
import MeetSFU
import Testing

import MeetCore
import NIOCore
@testable import MeetSFUNode

/// The node's side of the egress: subscriber handles come from MeetRTC's
/// `PeerEgress` and are reused, and a packet for a subscriber whose
/// connection is not up is dropped without counting as sent.
@Suite("ForwardingPlane: egress handles and drops")
struct ForwardingPlaneTests {
    @Test("handles are the egress's, reused after a subscriber leaves; an unconnected subscriber's packets are dropped")
    func handlesAndDrops() async throws {
        let socket = try await RTCSocket.bind(host: "127.0.0.1", port: 0)
        let logger = Logger(label: "test.plane")
        let results = try await socket.eventLoop.submit { () -> (first: Int, second: Int, reused: Int, sameTransport: Bool, sent: Int, empty: Bool) in
            let plane = ForwardingPlane(counters: NodeTrafficCounters(), eventLoop: socket.eventLoop)
            let publisher = PublisherTransport(
                participantId: "alice", roomId: "room", plane: plane, mutedSources: [], logger: logger, onEnd: { _, _ in })
            func subscriber(_ name: String) -> SubscriberTransport {
                let transport = SubscriberTransport(
                    participantId: name, publisher: publisher, plane: plane, logger: logger, onEnd: { _, _ in })
                transport.attach(PeerConnection(role: .server, socket: socket, configuration: LoopbackHarness.rtc, delegate: nil))
                transport.register()
                return transport
            }
            let bob = subscriber("bob")
            let carol = subscriber("carol")
            let (first, second) = (bob.handle, carol.handle)
            bob.detach()
            let dave = subscriber("dave")
            // Carol's connection never connected: her packet goes nowhere and is not counted.
            let packet: [UInt8] = [0x80, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0xAA]
            _ = packet.withUnsafeBytes { plane.batch.append(copying: $0, destination: carol.handle) }
            plane.send(plane.batch)
            return (first, second, dave.handle, plane.subscriber(dave.handle) === dave, plane.counters.packetsOut, plane.batch.isEmpty)
        }.get()
        #expect(results.first != results.second)
        #expect(results.reused == results.first)
        #expect(results.sameTransport)
        #expect(results.sent == 0 && results.empty)
        try await socket.close()
    }
}
