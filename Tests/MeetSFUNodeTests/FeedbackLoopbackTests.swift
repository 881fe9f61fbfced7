import MeetProtocol
import MeetRTCP
import NIOCore
import Testing
@testable import MeetRTC

import MeetSFU
import NIOConcurrencyHelpers
@testable import MeetSFUNode

/// Feedback and hard mute through the node's router, end to end over
/// loopback UDP with MeetRTC clients on both sides.
@Suite("TransportManager: NACK, PLI, mute and transport events over loopback", .serialized)
struct FeedbackLoopbackTests {
    /// A keyframe payload that also carries the publisher's sequence number.
    static func keyframe(_ sequence: UInt16) -> [UInt8] {
        ForwardingLoopbackTests.vp8Keyframe + [UInt8(sequence >> 8), UInt8(sequence & 0xFF)]
    }

    static func encode(_ packet: RTCPPacket) throws -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: 64)
        try RTCPPacket.writeCompound([packet], into: &buffer)
        return buffer
    }

    /// Sends keyframes until the subscriber has `count` video packets.
    static func flowVideo(_ harness: LoopbackHarness, from sequence: inout UInt16, until count: Int) async throws {
        var next = sequence
        try await waitUntil("the subscriber received \(count) video packets") {
            next &+= 1
            try await harness.publish(.video, sequence: next, payloadType: 96, payload: keyframe(next))
            return try await harness.received(.video).count >= count
        }
        sequence = next
    }

    @Test("a subscriber's NACK is answered from the node's cache, renumbered, without asking the publisher")
    func nackFromCache() async throws {
        let harness = try await LoopbackHarness.connected(kinds: [.video], relay: true)
        let relay = try #require(harness.relay)
        let offered = try harness.offeredSSRC(.video)
        var sequence: UInt16 = 40_000
        try await Self.flowVideo(harness, from: &sequence, until: 3)

        // The next 10 packets: the relay loses the 3rd and the 6th on the way to the subscriber.
        try await relay.arm(ssrc: offered, dropIndexes: [2, 5])
        let before = try await harness.received(.video).count
        for _ in 0..<10 {
            sequence &+= 1
            try await harness.publish(.video, sequence: sequence, payloadType: 96, payload: Self.keyframe(sequence))
        }
        try await waitUntil("8 of 10 arrived and 2 were lost") {
            let arrived = try await harness.received(.video).count
            let dropped = try await relay.droppedSequenceNumbers().count
            return arrived >= before + 8 && dropped == 2
        }
        let lost = try await relay.droppedSequenceNumbers()
        #expect(try await harness.received(.video).allSatisfy { !lost.contains($0.sequence) })

        // The subscriber NACKs them (RFC 4585 §6.2.1) about the SSRC it knows.
        let nack = RTCPGenericNACK(senderSSRC: 0xABCD, mediaSSRC: offered, lost: lost)
        let packet = try Self.encode(.nack(nack))
        try await onLoop(harness.subscriber) { harness.subscriber.sendRTCP(packet) }
        try await waitUntil("both lost packets were retransmitted") {
            let got = Set(try await harness.received(.video).map(\.sequence))
            return lost.allSatisfy(got.contains)
        }

        // Same numbering as the originals: payload (publisher's number) − subscriber number is constant.
        let received = try await harness.received(.video)
        let offsets = Set(received.map { packet in
            let publisherSequence = UInt16(packet.payload[packet.payload.count - 2]) << 8 | UInt16(packet.payload.last!)
            return publisherSequence &- packet.sequence
        })
        #expect(offsets.count == 1)
        // The publisher was never asked: no NACK reached it, and the node counted each packet once.
        let publisherRTCP = try await onLoop(harness.publisher) { harness.publisherMedia.rtcp }
        #expect(!publisherRTCP.contains { $0.count > 1 && $0[1] == 205 && $0[0] & 0x1F == 1 })
        let node = try await harness.nodePublisher()
        let ssrc = try harness.publisherTrack(.video).ssrc
        let subscriberId = harness.subscription.transportId
        let retransmissions = try await harness.onNode {
            let handle = harness.manager.registry.subscribers[subscriberId]?.handle ?? -1
            return node.router.downTracks(of: handle).first { $0.publisherSSRC == ssrc }?.downTrack.retransmissions ?? -1
        }
        #expect(retransmissions == 2)
        try await harness.shutdown()
    }

    @Test("the node NACKs a publisher's lost packets upstream itself")
    func upstreamNACK() async throws {
        let harness = try await LoopbackHarness.connected(kinds: [.video])
        let publisherSSRC = try harness.publisherTrack(.video).ssrc
        var sequence: UInt16 = 7_000
        try await Self.flowVideo(harness, from: &sequence, until: 2)
        // Skip two sequence numbers: the node notices the gap and asks for them.
        let missing: Set<UInt16> = [sequence &+ 1, sequence &+ 2]
        sequence &+= 3
        try await harness.publish(.video, sequence: sequence, payloadType: 96, payload: Self.keyframe(sequence))
        try await waitUntil("the publisher received a NACK for both missing packets") {
            let rtcp = try await onLoop(harness.publisher) { harness.publisherMedia.rtcp }
            let nacked = rtcp.flatMap { bytes -> [UInt16] in
                guard let packets = try? RTCPPacket.parseCompound(bytes) else { return [] }
                return packets.flatMap { packet -> [UInt16] in
                    guard case .nack(let nack) = packet, nack.mediaSSRC == publisherSSRC else { return [] }
                    return nack.sequenceNumbers
                }
            }
            return missing.isSubset(of: Set(nacked))
        }
        try await harness.shutdown()
    }

    @Test("a subscriber's PLI reaches the publisher about its own SSRC; a burst is throttled")
    func pliThrottled() async throws {
        let harness = try await LoopbackHarness.connected(kinds: [.video])
        let offered = try harness.offeredSSRC(.video)
        let publisherSSRC = try harness.publisherTrack(.video).ssrc
        var sequence: UInt16 = 100
        try await Self.flowVideo(harness, from: &sequence, until: 3)
        let node = try await harness.nodePublisher()
        let before = try await harness.pliCount(media: publisherSSRC)

        // A burst of 10 PLIs in one go.
        for _ in 0..<10 {
            let pli = try Self.encode(.pictureLossIndication(RTCPPictureLossIndication(senderSSRC: 0xABCD, mediaSSRC: offered)))
            try await onLoop(harness.subscriber) { harness.subscriber.sendRTCP(pli) }
        }
        try await waitUntil("the burst reached the node and the throttle let its request through") {
            let throttle = try await harness.onNode { node.router.track(ssrc: publisherSSRC)?.keyframeThrottle }
            guard let throttle, throttle.suppressed >= 9, !throttle.isPending else { return false }
            return try await harness.pliCount(media: publisherSSRC) > before
        }
        let after = try await harness.pliCount(media: publisherSSRC)
        #expect(after - before >= 1 && after - before <= 2, "10 PLIs became \(after - before) upstream")
        try await harness.shutdown()
    }

    @Test("a hard mute stops a track for subscribers, the publisher keeps sending, unmute resumes contiguously")
    func muteAndResume() async throws {
        let harness = try await LoopbackHarness.connected(kinds: [.audio, .video])
        let audio = try harness.publisherTrack(.audio).ssrc
        var sequence: UInt16 = 65_500  // crosses the 16-bit wrap on the way
        func send(_ marker: UInt8) async throws {
            sequence &+= 1
            try await harness.publish(.audio, sequence: sequence, payloadType: 111, payload: [marker, 1, 2, 3])
        }
        try await waitUntil("audio flows before the mute") {
            try await send(0xAA)
            return try await harness.received(.audio).count >= 5
        }
        let mute = try await harness.manager.setMute(SetMuteRequest(participantId: "alice", source: .mic, muted: true))
        #expect(mute.tracks == 1)
        #expect(try await harness.manager.setMute(SetMuteRequest(participantId: "alice", source: .screen, muted: true)).tracks == 0)

        let node = try await harness.nodePublisher()
        let received = try await harness.onNode { node.router.track(ssrc: audio)?.statistics.packets ?? 0 }
        for _ in 0..<20 { try await send(0xEE) }
        try await waitUntil("the node received the 20 packets sent while muted") {
            try await harness.onNode { node.router.track(ssrc: audio)?.statistics.packets ?? 0 } >= received + 20
        }
        #expect(try await harness.onNode { node.router.isMuted(publisherSSRC: audio) })

        _ = try await harness.manager.setMute(SetMuteRequest(participantId: "alice", source: .mic, muted: false))
        try await waitUntil("audio resumes after the unmute") {
            try await send(0xBB)
            return try await harness.received(.audio).filter { $0.payload.first == 0xBB }.count >= 5
        }
        let all = try await harness.received(.audio)
        #expect(!all.contains { $0.payload.first == 0xEE }, "nothing sent while muted was forwarded")
        // Contiguous numbering across the pause: from the last packet before
        // the mute on, every step is +1 (mod 2^16).
        let lastBefore = try #require(all.lastIndex { $0.payload.first == 0xAA })
        let got = Array(all[lastBefore...])
        #expect(got.count >= 6)
        for (previous, next) in zip(got, got.dropFirst()) {
            #expect(next.sequence == previous.sequence &+ 1)
        }
        #expect(harness.published.tracks.first { $0.kind == "audio" }?.source == .mic)
        try await harness.shutdown()
    }

    @Test("a mute in force applies to a publisher transport created later and shows in its tracks")
    func muteAppliesLater() async throws {
        let harness = try await LoopbackHarness.connected(kinds: [.audio, .video])
        #expect(harness.published.tracks.map(\.source) == [.mic, .camera])
        #expect(harness.published.tracks.allSatisfy { !$0.muted && $0.id.hasPrefix(harness.published.transportId + ":") })
        #expect(harness.subscription.tracks.map(\.kind) == ["audio", "video"])
        #expect(harness.subscription.tracks.map(\.id) == harness.published.tracks.map(\.id))

        _ = try await harness.manager.setMute(SetMuteRequest(participantId: "carol", source: .camera, muted: true))
        let client = PeerConnection(role: .client, socket: harness.publisherSocket, configuration: LoopbackHarness.rtc, delegate: nil)
        let offer = try await client.createOffer(kinds: [.audio, .video, .video])
        let reply = try await harness.manager.createPublisher(CreatePublisherRequest(
            participantId: "carol", roomId: "room-1", offer: offer, sources: ["2": .screen]))
        #expect(reply.tracks.map(\.source) == [.mic, .camera, .screen])
        #expect(reply.tracks.map(\.muted) == [false, true, false])
        #expect(reply.tracks.map(\.codec) == ["opus", "VP8", "VP8"])
        try await harness.shutdown()
    }

    @Test("every transport end is announced: control close, publisher gone, shutdown")
    func closedEvents() async throws {
        let harness = try await LoopbackHarness.connected(kinds: [.audio])
        _ = try await harness.manager.close(transportId: harness.published.transportId)
        let events = harness.events.withLockedValue { $0 }
        let subscriberEvent = try #require(events.first { $0.role == .subscriber })
        #expect(subscriberEvent.transportId == harness.subscription.transportId)
        #expect(subscriberEvent.participantId == "bob" && subscriberEvent.publisherParticipantId == "alice")
        #expect(subscriberEvent.reason == "publisher_closed" && subscriberEvent.nodeId == "node-test")
        let publisherEvent = try #require(events.first { $0.role == .publisher })
        #expect(publisherEvent.transportId == harness.published.transportId)
        #expect(publisherEvent.roomId == "room-1" && publisherEvent.reason == "closed_by_request")
        #expect(events.count == 2)

        // A transport that ends on its own (the remote side closed) is announced too.
        let offer = try await harness.publisher.freshAudioOffer()
        let again = try await harness.manager.createPublisher(CreatePublisherRequest(participantId: "dave", roomId: "room-2", offer: offer.sdp))
        try await offer.client.acceptAnswer(again.answer)
        try await waitUntil("the second publisher is connected") {
            try await onLoop(offer.client) { offer.client.state == .connected }
        }
        await offer.client.closeAsync(reason: "bye")
        try await waitUntil("its end was announced") {
            harness.events.withLockedValue { $0.contains { $0.transportId == again.transportId } }
        }
        let ended = try #require(harness.events.withLockedValue { $0.first { $0.transportId == again.transportId } })
        #expect(ended.role == .publisher && ended.participantId == "dave")
        #expect(ended.reason == "connection_closed")
        try await harness.shutdown()
    }

    @Test("a node shutting down announces each transport with reason node_shutdown")
    func shutdownEvents() async throws {
        let harness = try await LoopbackHarness.connected(kinds: [.audio])
        await harness.manager.closeAll()
        let events = harness.events.withLockedValue { $0 }
        #expect(Set(events.map(\.role)) == [.publisher, .subscriber])
        #expect(events.allSatisfy { $0.reason == "node_shutdown" })
        try await harness.shutdown()
    }
}

extension PeerConnection {
    /// A fresh client on the same socket with an audio offer (for a second publisher).
    func freshAudioOffer() async throws -> (client: PeerConnection, sdp: String) {
        let client = PeerConnection(role: .client, socket: socket, configuration: configuration, delegate: nil)
        return (client, try await client.createOffer(kinds: [.audio]))
    }
}
