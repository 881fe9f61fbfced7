import Logging
import MeetProtocol
import MeetRTC
import MeetRTCP
import MeetSFU
import Testing
@testable import MeetSFUNode

/// docs/dev/sfu-idle.md, "timers proportional to the work", over loopback:
/// a worker's 20 ms timer stops a second after its last transport closed
/// and starts again with the next; a worker whose transports carry nothing
/// slows to one tick a second, and the first packet, keyframe request or
/// new subscription brings the 20 ms tick back (``TickCadence`` has the
/// timing rules with a test clock).
@Suite(.serialized) struct IdleTickerTests {
    @Test func theTimerPausesWithNoTransportAndResumesWithTheNext() async throws {
        let harness = try await LoopbackHarness.connected(kinds: [.audio])
        #expect(await harness.manager.isTicking)
        #expect(try await harness.manager.close(participantId: "bob") == 1)
        #expect(try await harness.manager.close(participantId: "alice") == 1)
        try await waitUntil("the idle worker's timer paused") { await !harness.manager.isTicking }
        // A new publisher brings it back.
        let wakes = await harness.manager.tickPace.wakes
        _ = try await NodeConnectionLoopbackTests.publish("carol", to: harness.manager)
        #expect(await harness.manager.isTicking)
        #expect(await harness.manager.tickPace.wakes > wakes)
        try await harness.shutdown()
    }

    @Test func anIdleWorkerWithTransportsSlowsAndAPacketBringsTheFastTickBack() async throws {
        let harness = try await LoopbackHarness.connected(kinds: [.video])
        try await waitUntil("the idle worker's timer slowed") { await harness.manager.tickPace.pace == .slow }
        // Slowed, not stopped: receiver reports and the rounds go on once a second.
        #expect(await harness.manager.isTicking)
        let wakes = await harness.manager.tickPace.wakes
        try await harness.publish(.video, sequence: 1, payloadType: 96, payload: ForwardingLoopbackTests.vp8Keyframe)
        try await waitUntil("the packet woke the timer") { await harness.manager.tickPace.wakes > wakes }
        try await waitUntil("the packet was forwarded") { try await harness.received(.video).count >= 1 }
        try await harness.shutdown()
    }

    @Test func aSlowWorkerStillSendsItsPublishersReceiverReports() async throws {
        let harness = try await LoopbackHarness.connected(kinds: [.video])
        var sequence: UInt16 = 100
        try await FeedbackLoopbackTests.flowVideo(harness, from: &sequence, until: 3)
        try await waitUntil("the idle worker's timer slowed") { await harness.manager.tickPace.pace == .slow }
        let wakes = await harness.manager.tickPace.wakes
        let before = REMBLoopbackTests.receiverReports(try await harness.publisherRTCP())
        // RFC 3550 §6.4: a report a second about a source heard from, silent or not.
        try await waitUntil("two more receiver reports reached the publisher") {
            REMBLoopbackTests.receiverReports(try await harness.publisherRTCP()) >= before + 2
        }
        // From the slow ticks: nothing woke the timer meanwhile.
        #expect(await harness.manager.tickPace.wakes == wakes)
        try await harness.shutdown()
    }

    @Test func aKeyframeRequestWakesAnIdleWorkerAndOneTheThrottleHeldIsStillReleased() async throws {
        let harness = try await LoopbackHarness.connected(kinds: [.video])
        let offered = try harness.offeredSSRC(.video)
        let publisherSSRC = try harness.publisherTrack(.video).ssrc
        var sequence: UInt16 = 100
        try await FeedbackLoopbackTests.flowVideo(harness, from: &sequence, until: 3)
        let node = try await harness.nodePublisher()
        try await waitUntil("the idle worker's timer slowed") { await harness.manager.tickPace.pace == .slow }
        let wakes = await harness.manager.tickPace.wakes
        let before = try await harness.pliCount(media: publisherSSRC)

        // Two PLIs at once: the first goes upstream now, the throttle holds
        // the second (500 ms after the first); the tick releases it, though
        // the publisher sends nothing meanwhile.
        for _ in 0..<2 {
            let pli = try FeedbackLoopbackTests.encode(
                .pictureLossIndication(RTCPPictureLossIndication(senderSSRC: 0xABCD, mediaSSRC: offered)))
            try await onLoop(harness.subscriber) { harness.subscriber.sendRTCP(pli) }
        }
        try await waitUntil("both requests reached the publisher, the held one released") {
            let throttle = try await harness.onNode { node.router.track(ssrc: publisherSSRC)?.keyframeThrottle }
            guard let throttle, !throttle.isPending else { return false }
            return try await harness.pliCount(media: publisherSSRC) >= before + 2
        }
        #expect(await harness.manager.tickPace.wakes > wakes)
        try await harness.shutdown()
    }

    @Test func aSubscriptionAddedToANodeConnectionWakesAnIdleWorker() async throws {
        let serverSocket = try await RTCSocket.bind(host: "127.0.0.1", port: 0)
        let manager = TransportManager(
            socket: serverSocket, configuration: LoopbackHarness.rtc, logger: Logger(label: "test"), nodeId: "node-test")
        let alice = try await NodeConnectionLoopbackTests.publish("alice", to: manager)
        let carol = try await NodeConnectionLoopbackTests.publish("carol", to: manager)
        let (bobSocket, bob, bobMedia, first) = try await NodeConnectionLoopbackTests.connectBob(to: "alice", manager: manager)
        try await waitUntil("the idle worker's timer slowed") { await manager.tickPace.pace == .slow }
        let wakes = await manager.tickPace.wakes

        // Carol joins bob's connection: no transport is added, the worker wakes all the same.
        let added = try await manager.createSubscriber(CreateSubscriberRequest(
            participantId: "bob", publisherParticipantId: "carol", perNode: true, transportId: first.transportId))
        #expect(await manager.tickPace.wakes > wakes)
        try await NodeConnectionLoopbackTests.answer(
            added.offer, first: false, bob: bob, transportId: first.transportId, manager: manager)
        var sequence: UInt16 = 100
        try await NodeConnectionLoopbackTests.videoArrives(
            from: carol, tracks: added.tracks, bob: bob, media: bobMedia, sequence: &sequence)

        await manager.closeAll()
        for socket in [alice.socket, carol.socket, bobSocket, serverSocket] { try await socket.close() }
    }
}
