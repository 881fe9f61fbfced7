import Logging
import MeetRTC
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

@testable import MeetSFUNode

/// The node's loop-confined classes check the socket's loop
/// (`EventLoopConfined`): `assertOnOwningLoop()` traps in debug builds
/// exactly when `isOnOwningLoop` is false. A trap cannot be caught in
/// process, so these tests pin the predicate: false from a task and on
/// another loop of the group, true on the socket's loop and inside the RTCP
/// timer. (`NodeTrafficCounters` is not `Sendable` at all: the compiler keeps
/// it on the loop, no run-time check.)
@Suite("EventLoopConfined: the node's loop-confined classes check the socket's loop")
struct NodeEventLoopConfinementTests {
    @Test("TransportManager, ForwardingPlane, PublisherTransport, SubscriberTransport, RTCPTicker: off the loop or on another loop the check fails; on the socket's loop it holds")
    func confinedToSocketLoop() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let socket = try await RTCSocket.bind(host: "127.0.0.1", port: 0, group: group)
        let manager = TransportManager(socket: socket, configuration: LoopbackHarness.rtc, logger: Logger(label: "test.loop"))
        let logger = Logger(label: "test.loop")
        let publisher = PublisherTransport(
            participantId: "alice", roomId: "room", plane: manager.plane, mutedSources: [], logger: logger, onEnd: { _, _ in })
        let subscriber = SubscriberTransport(
            participantId: "bob", publisher: publisher, plane: manager.plane, logger: logger, onEnd: { _, _ in })
        let ticks = NIOLockedValueBox<[Bool]>([])
        let tickerBox = NIOLockedValueBox<RTCPTicker?>(nil)
        let ticker = RTCPTicker(loop: socket.eventLoop, activity: WorkerActivity()) { _, _ in
            let onLoop = tickerBox.withLockedValue { $0?.isOnOwningLoop } ?? false
            ticks.withLockedValue { $0.append(onLoop) }
            return .busy
        }
        tickerBox.withLockedValue { $0 = ticker }
        let other = group.makeIterator().first { $0 !== socket.eventLoop }!
        @Sendable func checks() -> [Bool] {
            [manager.isOnOwningLoop, manager.plane.isOnOwningLoop, publisher.isOnOwningLoop, subscriber.isOnOwningLoop, ticker.isOnOwningLoop]
        }

        let fromTask = checks()
        let onOtherLoop = try await other.submit(checks).get()
        let onOwnLoop = try await socket.eventLoop.submit(checks).get()
        #expect(fromTask == Array(repeating: false, count: 5))
        #expect(onOtherLoop == Array(repeating: false, count: 5))
        #expect(onOwnLoop == Array(repeating: true, count: 5))
        // The timer runs where its check holds.
        try await waitUntil("a tick") { !ticks.withLockedValue { $0 }.isEmpty }
        #expect(ticks.withLockedValue { $0 }.allSatisfy { $0 })

        try await socket.eventLoop.submit { ticker.stop() }.get()
        await manager.closeAll()
        try await socket.close()
        try await group.shutdownGracefully()
    }
}

#if DEBUG
/// The checks themselves, in a child process (Swift Testing exit tests): a
/// call from off the socket's loop traps in a debug build. (Release builds
/// compile the asserts away, hence `DEBUG`.)
@Suite("EventLoopConfined: a node call from off the loop traps (debug builds)")
struct NodeEventLoopConfinementTrapTests {
    @Test("TransportManager: expiring retirements off the loop traps")
    func transportManager() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let socket = try await RTCSocket.bind(host: "127.0.0.1", port: 0)
            let manager = TransportManager(socket: socket, configuration: LoopbackHarness.rtc, logger: Logger(label: "test"))
            manager.closeExpiredRetirements(now: .now)
        }
        #expect(trappedOffLoop(result, "TransportManager"))
    }

    @Test("ForwardingPlane: sending a batch off the loop traps")
    func forwardingPlane() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let socket = try await RTCSocket.bind(host: "127.0.0.1", port: 0)
            let manager = TransportManager(socket: socket, configuration: LoopbackHarness.rtc, logger: Logger(label: "test"))
            manager.plane.send(manager.plane.batch)
        }
        #expect(trappedOffLoop(result, "ForwardingPlane"))
    }

    @Test("PublisherTransport: a tick off the loop traps")
    func publisherTransport() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let socket = try await RTCSocket.bind(host: "127.0.0.1", port: 0)
            let manager = TransportManager(socket: socket, configuration: LoopbackHarness.rtc, logger: Logger(label: "test"))
            let publisher = PublisherTransport(
                participantId: "alice", roomId: "room", plane: manager.plane, mutedSources: [], logger: Logger(label: "test"),
                onEnd: { _, _ in })
            publisher.tick(now: .now, reports: false)
        }
        #expect(trappedOffLoop(result, "PublisherTransport"))
    }

    @Test("SubscriberTransport: detaching off the loop traps")
    func subscriberTransport() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let socket = try await RTCSocket.bind(host: "127.0.0.1", port: 0)
            let manager = TransportManager(socket: socket, configuration: LoopbackHarness.rtc, logger: Logger(label: "test"))
            let publisher = PublisherTransport(
                participantId: "alice", roomId: "room", plane: manager.plane, mutedSources: [], logger: Logger(label: "test"),
                onEnd: { _, _ in })
            let subscriber = SubscriberTransport(
                participantId: "bob", publisher: publisher, plane: manager.plane, logger: Logger(label: "test"), onEnd: { _, _ in })
            subscriber.detach()
        }
        #expect(trappedOffLoop(result, "SubscriberTransport"))
    }

    @Test("RTCPTicker: stopping it off the loop traps")
    func rtcpTicker() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let socket = try await RTCSocket.bind(host: "127.0.0.1", port: 0)
            RTCPTicker(loop: socket.eventLoop, activity: WorkerActivity()) { _, _ in .busy }.stop()
        }
        #expect(trappedOffLoop(result, "RTCPTicker"))
    }

    @Test("control: the same calls on the loop do not trap")
    func onLoopDoesNotTrap() async {
        await #expect(processExitsWith: .success) {
            let socket = try await RTCSocket.bind(host: "127.0.0.1", port: 0)
            let manager = TransportManager(socket: socket, configuration: LoopbackHarness.rtc, logger: Logger(label: "test"))
            try await socket.eventLoop.submit {
                manager.closeExpiredRetirements(now: .now)
                manager.plane.send(manager.plane.batch)
                let publisher = PublisherTransport(
                    participantId: "alice", roomId: "room", plane: manager.plane, mutedSources: [], logger: Logger(label: "test"),
                    onEnd: { _, _ in })
                publisher.tick(now: .now, reports: false)
                SubscriberTransport(
                    participantId: "bob", publisher: publisher, plane: manager.plane, logger: Logger(label: "test"), onEnd: { _, _ in }
                ).detach()
                RTCPTicker(loop: socket.eventLoop, activity: WorkerActivity()) { _, _ in .busy }.stop()
            }.get()
        }
    }
}

/// The child died of `type`'s confinement check, not of something else.
func trappedOffLoop(_ result: ExitTest.Result?, _ type: String) -> Bool {
    guard let result else { return false }
    return String(decoding: result.standardErrorContent, as: UTF8.self).contains("\(type) used off its event loop")
}
#endif
