import Logging
import MeetProtocol
import MeetSFU
@testable import MeetRTC
import NIOCore
import Testing

@testable import MeetSFUNode

/// Last-N over loopback (#15 item 3): `sfu.set-video-selection` on a per-node
/// connection carrying two publishers pauses the video left out (nothing
/// reaches the subscriber on its section) and resumes the one brought back,
/// with a keyframe request to its publisher.
///
/// Every step waits until the node has taken the packets just sent (its
/// router's count for the track) before looking at what bob got: a packet
/// still on its way when the selection changes would otherwise land on the
/// other side of it. (That race made this test flaky: keyframes sent while
/// Carol was paused could reach the node after her resume; one of them then
/// answered the resume's keyframe request, which the throttle had held back
/// as within 200 ms of her join, so no PLI was ever sent, correctly, and
/// the wait for one timed out.)
@Suite("TransportManager: last-N video selection (loopback)", .serialized)
struct VideoSelectionLoopbackTests {
    typealias Node = NodeConnectionLoopbackTests

    /// Packets bob received on the section that carries `publisher`'s video.
    static func videoPackets(of publisher: Node.Publisher, tracks: [SFUTrack], media: Recorder, bob: PeerConnection) async throws -> Int {
        let mid = try #require(tracks.first { $0.id == "\(publisher.reply.transportId):1" }?.mid)
        return try await onLoop(bob) { media.rtp.count(where: { $0.mid == mid }) }
    }

    /// Picture loss indications (RFC 4585 §6.3.1: PT 206, FMT 1) a publisher received.
    static func pictureLossIndications(_ publisher: Node.Publisher) async throws -> Int {
        try await onLoop(publisher.connection) {
            publisher.media.rtcp.reduce(0) { count, compound in
                var offset = 0
                var found = count
                while offset + 4 <= compound.count {
                    if compound[offset + 1] == 206 && compound[offset] & 0x1F == 1 { found += 1 }
                    offset += ((Int(compound[offset + 2]) << 8 | Int(compound[offset + 3])) + 1) * 4
                }
                return found
            }
        }
    }

    /// Sends `count` VP8 keyframes from `publisher`'s video track and waits
    /// until the node has received them (so none is still on its way when
    /// the test looks, or changes the selection).
    static func sendVideo(
        from publisher: Node.Publisher, count: Int, sequence: inout UInt16, manager: TransportManager
    ) async throws {
        let video = try #require(publisher.tracks.first { $0.kind == .video })
        let before = try await received(by: manager, from: publisher, ssrc: video.ssrc)
        for _ in 0..<count {
            sequence &+= 1
            let next = sequence
            try await onLoop(publisher.connection) {
                publisher.connection.sendRTP(ForwardingLoopbackTests.rtp(
                    payloadType: 96, sequence: next, ssrc: video.ssrc, payload: ForwardingLoopbackTests.vp8Keyframe))
            }
        }
        try await waitUntil("the node received \(publisher.name)'s \(count) packets") {
            try await received(by: manager, from: publisher, ssrc: video.ssrc) >= before + count
        }
    }

    /// Packets the node's router received on `publisher`'s track `ssrc` (0 before it is routed).
    static func received(by manager: TransportManager, from publisher: Node.Publisher, ssrc: UInt32) async throws -> Int {
        try await manager.socket.eventLoop.submit {
            manager.registry.publishers[publisher.reply.transportId]?.router.track(ssrc: ssrc)?.statistics.packets ?? 0
        }.get()
    }

    /// Sends keyframes from `publisher` until more of its video reaches bob than `before`.
    static func moreVideoArrives(
        from publisher: Node.Publisher, than before: Int, tracks: [SFUTrack], media: Recorder, bob: PeerConnection,
        sequence: inout UInt16, manager: TransportManager
    ) async throws {
        var next = sequence
        try await waitUntil("more of \(publisher.name)'s video reaches bob") {
            try await sendVideo(from: publisher, count: 1, sequence: &next, manager: manager)
            return try await videoPackets(of: publisher, tracks: tracks, media: media, bob: bob) > before
        }
        sequence = next
    }

    @Test("a selection of one of two videos: only it reaches the subscriber; switching resumes the other with a PLI")
    func selectOneOfTwo() async throws {
        let serverSocket = try await RTCSocket.bind(host: "127.0.0.1", port: 0)
        let manager = TransportManager(
            socket: serverSocket, configuration: LoopbackHarness.rtc, logger: Logger(label: "test"), nodeId: "node-test")
        let alice = try await Node.publish("alice", to: manager)
        let carol = try await Node.publish("carol", to: manager)

        let (bobSocket, bob, bobMedia, first) = try await Node.connectBob(to: "alice", manager: manager)
        let id = first.transportId
        let added = try await manager.createSubscriber(CreateSubscriberRequest(
            participantId: "bob", publisherParticipantId: "carol", perNode: true, transportId: id))
        try await Node.answer(added.offer, first: false, bob: bob, transportId: id, manager: manager)
        let tracks = added.tracks
        var sequence: UInt16 = 100
        // No selection yet: everything forwards (older clients).
        for publisher in [alice, carol] {
            try await Node.videoArrives(from: publisher, tracks: tracks, bob: bob, media: bobMedia, sequence: &sequence)
        }

        // Only Alice's camera; a transport the node does not know is skipped.
        let reply = try await manager.setVideoSelection(SetVideoSelectionRequest(selections: [
            SFUVideoSelection(transportId: id, forward: [SFUVideoTarget(participantId: "alice", source: .camera, maxHeight: 360)]),
            SFUVideoSelection(transportId: "gone", forward: []),
        ]))
        #expect(reply.applied == [id])
        // Carol's packets the node forwarded before the selection may still be on their way (under load
        // `videoArrives` sent more than the one it waited for): Alice's next packet, sent after them on
        // the same socket, reaching bob means they are in too.
        let aliceInFlight = try await Self.videoPackets(of: alice, tracks: tracks, media: bobMedia, bob: bob)
        try await Self.moreVideoArrives(
            from: alice, than: aliceInFlight, tracks: tracks, media: bobMedia, bob: bob, sequence: &sequence, manager: manager)
        let carolBefore = try await Self.videoPackets(of: carol, tracks: tracks, media: bobMedia, bob: bob)
        try await Self.sendVideo(from: carol, count: 5, sequence: &sequence, manager: manager)
        // Alice's next packet reaching bob comes after Carol's five through the node.
        let aliceSoFar = try await Self.videoPackets(of: alice, tracks: tracks, media: bobMedia, bob: bob)
        try await Self.moreVideoArrives(
            from: alice, than: aliceSoFar, tracks: tracks, media: bobMedia, bob: bob, sequence: &sequence, manager: manager)
        #expect(try await Self.videoPackets(of: carol, tracks: tracks, media: bobMedia, bob: bob) == carolBefore)

        // The page turns to Carol: she is resumed and asked for a keyframe
        // (at once, or when the throttle's join spacing ends), Alice paused.
        let plisBefore = try await Self.pictureLossIndications(carol)
        _ = try await manager.setVideoSelection(SetVideoSelectionRequest(selections: [
            SFUVideoSelection(transportId: id, forward: [SFUVideoTarget(participantId: "carol", source: .camera, maxHeight: 360)]),
        ]))
        try await waitUntil("carol is asked for a keyframe") { try await Self.pictureLossIndications(carol) > plisBefore }
        let carolPaused = try await Self.videoPackets(of: carol, tracks: tracks, media: bobMedia, bob: bob)
        try await Self.moreVideoArrives(
            from: carol, than: carolPaused, tracks: tracks, media: bobMedia, bob: bob, sequence: &sequence, manager: manager)
        let aliceBefore = try await Self.videoPackets(of: alice, tracks: tracks, media: bobMedia, bob: bob)
        try await Self.sendVideo(from: alice, count: 5, sequence: &sequence, manager: manager)
        let carolSoFar = try await Self.videoPackets(of: carol, tracks: tracks, media: bobMedia, bob: bob)
        try await Self.moreVideoArrives(
            from: carol, than: carolSoFar, tracks: tracks, media: bobMedia, bob: bob, sequence: &sequence, manager: manager)
        #expect(try await Self.videoPackets(of: alice, tracks: tracks, media: bobMedia, bob: bob) == aliceBefore)

        // An oversized selection is refused whole.
        let many = (0..<65).map { SFUVideoTarget(participantId: "p\($0)", source: .camera, maxHeight: 180) }
        await #expect(throws: SFUControlError.self) {
            _ = try await manager.setVideoSelection(SetVideoSelectionRequest(selections: [
                SFUVideoSelection(transportId: id, forward: many),
            ]))
        }

        await manager.closeAll()
        for socket in [alice.socket, carol.socket, bobSocket, serverSocket] { try await socket.close() }
    }
}
