import Logging
import MeetProtocol
@testable import MeetRTC
import NIOCore
import Testing

@testable import MeetSFUNode

/// The node's transports on a real loopback socket, driven by MeetRTC
/// clients: a publisher's RTP reaches its subscriber with the SSRC the
/// subscriber offer announced, and the subscriber's PLI reaches the
/// publisher re-pointed at the publisher's own SSRC.
@Suite("TransportManager: forwarding and feedback over loopback", .serialized)
struct ForwardingLoopbackTests {
    static let rtc = try! RTCConfiguration.generate(publicIP: "127.0.0.1")

    @Test("publisher → subscriber RTP with the SSRC rewritten; subscriber PLI → publisher")
    func forwardsAndFeedsBack() async throws {
        let serverSocket = try await RTCSocket.bind(host: "127.0.0.1", port: 0)
        let publisherSocket = try await RTCSocket.bind(host: "127.0.0.1", port: 0)
        let subscriberSocket = try await RTCSocket.bind(host: "127.0.0.1", port: 0)
        let manager = TransportManager(socket: serverSocket, configuration: Self.rtc, logger: Logger(label: "test"))
        let publisherMedia = Recorder()
        let subscriberMedia = Recorder()
        let publisher = PeerConnection(role: .client, socket: publisherSocket, configuration: Self.rtc, delegate: publisherMedia)
        let subscriber = PeerConnection(role: .client, socket: subscriberSocket, configuration: Self.rtc, delegate: subscriberMedia)

        // Unknown publisher first.
        await #expect(throws: SFUControlError.unknownPublisher("alice")) {
            _ = try await manager.createSubscriber(CreateSubscriberRequest(participantId: "bob", publisherParticipantId: "alice"))
        }
        await #expect(throws: SFUControlError.self) {
            _ = try await manager.createPublisher(CreatePublisherRequest(participantId: "alice", roomId: "r", offer: "v=0\r\nnonsense"))
        }

        let offer = try await publisher.createOffer(kinds: [.audio, .video])
        let published = try await manager.createPublisher(CreatePublisherRequest(participantId: "alice", roomId: "r", offer: offer))
        try await publisher.acceptAnswer(published.answer)

        let subscription = try await manager.createSubscriber(
            CreateSubscriberRequest(participantId: "bob", publisherParticipantId: "alice"))
        #expect(subscription.offer.contains("a=sendonly"))
        let answer = try await subscriber.acceptOffer(subscription.offer, sendBack: false)
        try await manager.acceptSubscriberAnswer(SubscriberAnswerRequest(transportId: subscription.transportId, answer: answer))

        let snapshot = try await manager.snapshot()
        #expect(snapshot.publishers == 1 && snapshot.subscribers == 1)

        let publisherTracks = try await onLoop(publisher) { publisher.localTracks }
        let offeredTracks = try await onLoop(subscriber) { subscriber.remoteTracks }
        let video = try #require(publisherTracks.first { $0.kind == .video })
        let offeredVideo = try #require(offeredTracks.first { $0.kind == .video })
        let offeredSSRC = try #require(offeredVideo.ssrcs.first)

        // Media flows once every leg is connected; keep sending until it arrives.
        var sequence: UInt16 = 0
        try await waitUntil("the subscriber received 5 forwarded video packets") {
            sequence &+= 1
            let next = sequence
            try await onLoop(publisher) {
                publisher.sendRTP(Self.rtp(payloadType: 96, sequence: next, ssrc: video.ssrc, payload: Self.vp8Keyframe))
            }
            return try await onLoop(subscriber) { subscriberMedia.rtp.count >= 5 }
        }
        let forwarded = try await onLoop(subscriber) { subscriberMedia.rtp }
        for packet in forwarded {
            #expect(packet.mid == offeredVideo.mid)
            #expect(Array(packet.bytes[8..<12]) == Self.bytes(offeredSSRC))
            #expect(Array(packet.bytes.suffix(Self.vp8Keyframe.count)) == Self.vp8Keyframe)
        }

        // PLI from the subscriber about the SSRC it sees → the publisher, about its own SSRC.
        let receiverSSRC: UInt32 = 0x1234_5678
        try await onLoop(subscriber) { subscriber.sendRTCP(Self.pli(sender: receiverSSRC, media: offeredSSRC)) }
        try await waitUntil("the publisher received the PLI") {
            try await onLoop(publisher) { publisherMedia.rtcp.contains { Self.isPLI($0, media: video.ssrc) } }
        }

        // The publisher's sender report reaches the subscriber about the SSRC it knows.
        try await onLoop(publisher) { publisher.sendRTCP(Self.senderReport(ssrc: video.ssrc)) }
        try await waitUntil("the subscriber received the sender report") {
            try await onLoop(subscriber) {
                subscriberMedia.rtcp.contains { $0.count >= 8 && $0[1] == 200 && Array($0[4..<8]) == Self.bytes(offeredSSRC) }
            }
        }

        // Closing the publisher's participant closes both transports.
        #expect(try await manager.close(participantId: "alice") == 2)
        let after = try await manager.snapshot()
        #expect(after.publishers == 0 && after.subscribers == 0)
        #expect(after.packetsIn >= 5 && after.packetsOut >= 5)
        await #expect(throws: SFUControlError.unknownTransport(subscription.transportId)) {
            _ = try await manager.close(transportId: subscription.transportId)
        }

        try await publisherSocket.close()
        try await subscriberSocket.close()
        try await serverSocket.close()
    }

    @Test("a draining node refuses new transports")
    func drainingRefuses() async throws {
        let socket = try await RTCSocket.bind(host: "127.0.0.1", port: 0)
        let manager = TransportManager(socket: socket, configuration: Self.rtc, logger: Logger(label: "test"))
        #expect(await manager.isDraining == false)
        await manager.startDraining()
        #expect(await manager.isDraining)
        await #expect(throws: SFUControlError.draining) {
            _ = try await manager.createPublisher(CreatePublisherRequest(participantId: "a", roomId: "r", offer: ""))
        }
        try await socket.close()
    }

    // MARK: Helpers

    /// A VP8 payload that starts a keyframe (RFC 7741 §4.2 descriptor with S=1,
    /// PID 0; payload header P bit 0): a subscriber's video starts on one.
    static let vp8Keyframe: [UInt8] = [0x10, 0x00, 0x9D, 0x01, 0x2A]
    /// A VP8 interframe (P bit 1).
    static let vp8Delta: [UInt8] = [0x10, 0x01, 0x00, 0x00, 0x00]

    static func bytes(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    /// A minimal RTP packet (RFC 3550 §5.1), no extensions.
    static func rtp(payloadType: UInt8, sequence: UInt16, ssrc: UInt32, payload: [UInt8]) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: 64)
        buffer.writeBytes([0x80, payloadType])
        buffer.writeInteger(sequence)
        buffer.writeInteger(UInt32(sequence) * 3000)
        buffer.writeInteger(ssrc)
        buffer.writeBytes(payload)
        return buffer
    }

    /// A sender report without report blocks (RFC 3550 §6.4.1).
    static func senderReport(ssrc: UInt32) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: 28)
        buffer.writeBytes([0x80, 200, 0, 6])
        buffer.writeInteger(ssrc)
        buffer.writeBytes([UInt8](repeating: 3, count: 20))
        return buffer
    }

    /// A PLI (RFC 4585 §6.3.1): PT 206, FMT 1, length 2.
    static func pli(sender: UInt32, media: UInt32) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: 12)
        buffer.writeBytes([0x81, 206, 0, 2])
        buffer.writeInteger(sender)
        buffer.writeInteger(media)
        return buffer
    }

    /// Whether a compound RTCP packet holds a PLI about `media`.
    static func isPLI(_ bytes: [UInt8], media: UInt32) -> Bool {
        var offset = 0
        while offset + 12 <= bytes.count {
            let length = (Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3]) + 1) * 4
            if bytes[offset] & 0x1F == 1, bytes[offset + 1] == 206, Array(bytes[offset + 8..<offset + 12]) == Self.bytes(media) {
                return true
            }
            offset += max(length, 4)
        }
        return false
    }
}

/// Records what a client `PeerConnection` delivers (event loop only).
final class Recorder: PeerConnectionDelegate, @unchecked Sendable {
    var rtp: [(mid: String, bytes: [UInt8])] = []
    var rtcp: [[UInt8]] = []

    func peerConnection(_ connection: PeerConnection, didReceiveRTP packet: ByteBuffer, track: RemoteTrack) {
        rtp.append((track.mid, Array(packet.readableBytesView)))
    }

    func peerConnection(_ connection: PeerConnection, didReceiveRTCP packet: ByteBuffer) {
        rtcp.append(Array(packet.readableBytesView))
    }
}

func onLoop<T: Sendable>(_ connection: PeerConnection, _ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await connection.eventLoop.submit(body).get()
}

/// Polls `condition` every 20 ms; fails after a generous bound (not a timing assertion).
func waitUntil(_ what: String, within seconds: Double = 15, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    Issue.record("timed out waiting for: \(what)")
    throw CancellationError()
}
