import MeetProtocol
import MeetRTC
import MeetSFUNode
import NIOCore
import NIOPosix

/// `meet-sfu`'s own forwarding plane (`MeetSFUNode.TransportManager`, the
/// code the node binary runs) in this process, on an event-loop thread of
/// its own, driven through the same control calls the node's bus handler
/// makes. Measured like the reference: that thread's CPU time and heap
/// allocations, so the figures cover exactly receive → unprotect → route →
/// protect → send and nothing of the load generator.
final class NodeInProcess: SFUUnderTest, @unchecked Sendable {
    let name = "meet-sfu TransportManager (in process)"
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let socket: RTCSocket
    let manager: TransportManager
    private var subscriberCount = 0

    init() async throws {
        let configuration = try RTCConfiguration.generate(publicIP: "127.0.0.1")
        socket = try await RTCSocket.bind(host: "127.0.0.1", port: 0, group: group, logger: quietLogger("bench.node"))
        manager = TransportManager(socket: socket, configuration: configuration, logger: quietLogger("bench.node"), nodeId: "bench")
    }

    func publish(offer: String) async throws -> String {
        try await manager.createPublisher(CreatePublisherRequest(participantId: "bench-publisher", roomId: "bench", offer: offer)).answer
    }

    func subscribe() async throws -> (id: String, offer: String) {
        subscriberCount += 1
        let reply = try await manager.createSubscriber(
            CreateSubscriberRequest(participantId: "bench-subscriber-\(subscriberCount)", publisherParticipantId: "bench-publisher"))
        return (reply.transportId, reply.offer)
    }

    func acceptSubscriberAnswer(id: String, answer: String) async throws {
        try await manager.acceptSubscriberAnswer(SubscriberAnswerRequest(transportId: id, answer: answer))
    }

    var forwardingLoop: (any EventLoop)? { socket.eventLoop }

    func sample() async throws -> NodeSample {
        try await ThreadProbe.sample(on: socket.eventLoop)
    }

    func shutdown() async throws {
        await manager.closeAll()
        try await socket.close()
        try await group.shutdownGracefully()
    }
}
