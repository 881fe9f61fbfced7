import Logging
import MeetProtocol
@testable import MeetRTC
import MeetRTP
import MeetSFU
import NIOCore
import Testing

@testable import MeetSFUNode

/// The allocator's muted ranking through the node's wiring (#16 item 4,
/// docs/dev/simulcast-status.md, "Session 13" and "Session 14"): bob's one
/// per-node subscriber connection carries Carol's camera, turned off (black
/// frames: a few kbit/s), and Alice's live one, Carol's first (so the
/// caller's order alone would keep Carol and pause Alice). With an estimate
/// that fits Alice's video but not both, on a congested path, it is
/// Carol's that the node pauses after the pause hold, and it stays paused
/// while Alice's keeps flowing to bob.
///
/// Real: the MeetRTC clients, UDP, DTLS-SRTP, the routers, what each
/// down-track sent, ``SubscriberTransport/allocateBandwidth(speaker:now:)``
/// (ranking, allocation, the router pause) and what bob receives. Driven
/// by the test: the allocation clock and the connection's estimate.
/// Each round the publishers send a fixed number of bytes, the node takes
/// them, and the test runs one allocation 200 ms later on a clock of its
/// own (an hour ahead of the node's, so the node's own 200 ms timer is
/// never due for this connection): the measured rates are exact, not
/// subject to a loaded machine's timing. The estimate goes into the
/// connection's ``SendSideEstimator`` as its feedback path would put it:
/// transport-wide feedback results (13 % of them lost: congestion, as a
/// path that cannot carry both videos reports it) and a REMB, the cap.
@Suite("TransportManager: a camera turned off is paused before a live one (loopback)", .serialized)
struct MutedRankingLoopbackTests {
    typealias Node = NodeConnectionLoopbackTests

    /// Sends `count` VP8 keyframe packets of `size` payload bytes from
    /// `publisher`'s video, the byte after the VP8 header `marker`, and
    /// waits until the node has routed them.
    static func send(
        _ publisher: Node.Publisher, count: Int, size: Int, marker: UInt8, sequence: inout UInt16,
        manager: TransportManager
    ) async throws {
        let video = try #require(publisher.tracks.first { $0.kind == .video })
        let payload = ForwardingLoopbackTests.vp8Keyframe + [marker]
            + [UInt8](repeating: 0, count: size - ForwardingLoopbackTests.vp8Keyframe.count - 1)
        let before = try await VideoSelectionLoopbackTests.received(by: manager, from: publisher, ssrc: video.ssrc)
        for _ in 0..<count {
            sequence &+= 1
            let next = sequence
            try await onLoop(publisher.connection) {
                publisher.connection.sendRTP(ForwardingLoopbackTests.rtp(
                    payloadType: 96, sequence: next, ssrc: video.ssrc, payload: payload))
            }
        }
        try await waitUntil("the node routed \(publisher.name)'s \(count) packets") {
            try await VideoSelectionLoopbackTests.received(by: manager, from: publisher, ssrc: video.ssrc) >= before + count
        }
    }

    /// One transport-wide feedback's results for round `round`: 30 packets
    /// 5 ms apart with a constant delay (no over-use), the last 4 lost
    /// (13 %, over the loss bound's 10 %: the path is congested).
    static func feedback(round: Int, lossy: Bool) -> [TransportWideSendHistory.PacketResult] {
        let base = Int64(round) * 200_000
        return (0..<30).map { index in
            let sent = base + Int64(index) * 5_000
            return TransportWideSendHistory.PacketResult(sendTime: sent, arrivalTime: lossy && index >= 26 ? nil : sent + 20_000, size: 1_200)
        }
    }

    struct Round: Sendable {
        /// Bytes each publisher's video down-track sent bob so far (publisher transport id → bytes).
        var bytesSent: [String: Int]
        /// Publisher transport ids whose video the allocator holds paused.
        var paused: Set<String>
        /// Publisher transport ids whose video the router holds paused for bob.
        var routerPaused: Set<String>
    }

    @Test("a tight, congested subscriber: the black camera is paused first and stays paused; the live one flows")
    func mutedPausedFirst() async throws {
        let serverSocket = try await RTCSocket.bind(host: "127.0.0.1", port: 0)
        let manager = TransportManager(
            socket: serverSocket, configuration: LoopbackHarness.rtc, logger: Logger(label: "test"), nodeId: "node-test")
        let carol = try await Node.publish("carol", to: manager)
        let alice = try await Node.publish("alice", to: manager)
        // Carol first: the caller's order puts her video before Alice's.
        let (bobSocket, bob, bobMedia, first) = try await Node.connectBob(to: "carol", manager: manager)
        let id = first.transportId
        let added = try await manager.createSubscriber(CreateSubscriberRequest(
            participantId: "bob", publisherParticipantId: "alice", perNode: true, transportId: id))
        try await Node.answer(added.offer, first: false, bob: bob, transportId: id, manager: manager)
        let tracks = added.tracks
        var sequence: UInt16 = 100
        for publisher in [carol, alice] {
            try await Node.videoArrives(from: publisher, tracks: tracks, bob: bob, media: bobMedia, sequence: &sequence)
        }
        let (carolID, aliceID) = (carol.reply.transportId, alice.reply.transportId)
        let order = try await manager.socket.eventLoop.submit {
            manager.registry.subscribers[id]?.publishers.map(\.id) ?? []
        }.get()
        #expect(order == [carolID, aliceID], "the test needs Carol's video first in the connection's order")

        // Each round: Alice 5 × 500 bytes of payload (about 100 kbit/s), Carol 2 × 100 (under 10 kbit/s).
        let start = ContinuousClock.now + .seconds(3600)
        var round = 0
        var aliceSequence: UInt16 = 5000
        var carolSequence: UInt16 = 5000
        func play(estimate: Int?, lossy: Bool, carolTurnedOn: Bool = false) async throws -> Round {
            let marker = UInt8(truncatingIfNeeded: round + 1)
            try await Self.send(alice, count: 5, size: 500, marker: marker, sequence: &aliceSequence, manager: manager)
            try await Self.send(
                carol, count: carolTurnedOn ? 5 : 2, size: carolTurnedOn ? 500 : 100, marker: marker, sequence: &carolSequence,
                manager: manager)
            let now = start + .milliseconds(200 * round)
            let results = Self.feedback(round: round, lossy: lossy)
            round += 1
            return try await manager.socket.eventLoop.submit {
                guard let subscriber = manager.registry.subscribers[id] else { return Round(bytesSent: [:], paused: [], routerPaused: []) }
                subscriber.bandwidth.hasFeedback = true
                subscriber.bandwidth.estimator.feedback(results, now: now)
                if let estimate { subscriber.bandwidth.estimator.receiverEstimate(UInt64(estimate), now: now) }
                subscriber.allocateBandwidth(speaker: nil, now: now)
                var bytes: [String: Int] = [:]
                var routerPaused: Set<String> = []
                for publisher in subscriber.publishers {
                    for (ssrc, downTrack) in publisher.router.downTracks(of: subscriber.handle) {
                        guard let mid = publisher.routed[ssrc]?.mid,
                              publisher.remoteTracks.contains(where: { $0.mid == mid && $0.kind == .video })
                        else { continue }
                        bytes[publisher.id] = downTrack.bytesSent
                        if downTrack.isPaused { routerPaused.insert(publisher.id) }
                    }
                }
                return Round(
                    bytesSent: bytes, paused: Set(subscriber.bandwidth.paused.map(\.publisher)), routerPaused: routerPaused)
            }.get()
        }

        // Unconstrained (the estimate starts at 2 Mbit/s): both flow; the rates are measured.
        var last = try await play(estimate: nil, lossy: false)
        var rates: [String: Int] = [:]
        for _ in 0..<3 {
            let next = try await play(estimate: nil, lossy: false)
            #expect(next.paused.isEmpty && next.routerPaused.isEmpty)
            for key in [aliceID, carolID] { rates[key] = ((next.bytesSent[key] ?? 0) - (last.bytesSent[key] ?? 0)) * 8 * 5 }
            last = next
        }
        let (live, black) = (rates[aliceID] ?? 0, rates[carolID] ?? 0)
        #expect(black > 0 && black < LayerDemand.mutedBitrate && live > 3 * LayerDemand.mutedBitrate, "\(rates)")

        // Room for Alice's video, not for both; congested. Carol's is short, held 2 s, then paused.
        let estimate = live + black / 2
        var pausedAt: Int?
        for index in 0..<40 {
            let next = try await play(estimate: estimate, lossy: true)
            #expect(!next.paused.contains(aliceID) && !next.routerPaused.contains(aliceID), "round \(index): \(next)")
            if next.paused.contains(carolID) {
                #expect(next.routerPaused == [carolID])
                pausedAt = index
                break
            }
        }
        let paused = try #require(pausedAt, "Carol's black camera was never paused")
        // The pause hold: 2 s (10 rounds) of congestion with the shortfall first.
        #expect(paused >= 9, "paused after \(paused) rounds")

        // It stays paused (its rate is still the black one's: it ranks last still), and nothing of
        // it reaches bob, while Alice's video does. The node sends in order: once Alice's packets of
        // a round have reached bob, everything sent before them has.
        let carolMid = try #require(tracks.first { $0.id == "\(carolID):1" }?.mid)
        let aliceMid = try #require(tracks.first { $0.id == "\(aliceID):1" }?.mid)
        func received(_ mid: String) async throws -> Int {
            try await onLoop(bob) { bobMedia.rtp.count(where: { $0.mid == mid }) }
        }
        func aliceArrived(round: Int) async throws {
            let marker = UInt8(truncatingIfNeeded: round)
            try await waitUntil("Alice's 5 packets of round \(round) reach bob") {
                try await onLoop(bob) {
                    bobMedia.rtp.count(where: { packet in
                        guard packet.mid == aliceMid, let parsed = try? RTPPacket(parsing: packet.bytes) else { return false }
                        let payload = Array(parsed.payload)
                        return payload.count > 5 && payload[5] == marker
                    }) >= 5
                }
            }
        }
        _ = try await play(estimate: estimate, lossy: true)
        try await aliceArrived(round: round)
        let carolBefore = try await received(carolMid)
        let aliceBefore = try await received(aliceMid)
        for index in 0..<10 {
            let next = try await play(estimate: estimate, lossy: true)
            #expect(next.paused == [carolID] && next.routerPaused == [carolID], "round \(index) after the pause: \(next)")
        }
        try await aliceArrived(round: round)
        #expect(try await received(aliceMid) == aliceBefore + 50)
        #expect(try await received(carolMid) == carolBefore)

        // Carol turns her camera back on while paused: nothing of it reaches bob, but what she sends the
        // node is live now, so she no longer ranks muted, and first in the order she is resumed (at her
        // last measured cost, which fits). Ranked by the black rate it last sent bob, she would stay paused.
        var resumedAt: Int?
        for index in 0..<10 {
            let next = try await play(estimate: estimate, lossy: true, carolTurnedOn: true)
            if !next.paused.contains(carolID) {
                resumedAt = index
                break
            }
        }
        #expect(resumedAt != nil, "Carol's camera, turned back on while paused, was never resumed")

        await manager.closeAll()
        for socket in [alice.socket, carol.socket, bobSocket, serverSocket] { try await socket.close() }
    }
}
