import Logging
import MeetProtocol
@testable import MeetRTC
import MeetRTP
import NIOConcurrencyHelpers
import NIOCore
import Testing

@testable import MeetSFUNode

/// Active speakers on one node over loopback: a MeetRTC client publishes
/// audio with the audio-level extension its offer negotiated (RFC 6464);
/// the node's timer reports the room (`sfu.audio-levels`) while it is
/// loud, once more (empty) when it falls silent, and nothing in between.
@Suite("TransportManager: audio-level reports over loopback", .serialized)
struct AudioLevelLoopbackTests {
    static let rtc = try! RTCConfiguration.generate(publicIP: "127.0.0.1")

    @Test("a loud publisher is reported with its level, then an empty report once it is silent")
    func reportsSpeakers() async throws {
        let serverSocket = try await RTCSocket.bind(host: "127.0.0.1", port: 0)
        let publisherSocket = try await RTCSocket.bind(host: "127.0.0.1", port: 0)
        let reports = NIOLockedValueBox<[SFUAudioLevelsEvent]>([])
        let manager = TransportManager(
            socket: serverSocket, configuration: Self.rtc, logger: Logger(label: "test"), nodeId: "node-a",
            audioLevelInterval: .milliseconds(100), audioLevels: { event in reports.withLockedValue { $0.append(event) } })
        let publisher = PeerConnection(role: .client, socket: publisherSocket, configuration: Self.rtc, delegate: Recorder())
        let offer = try await publisher.createOffer(kinds: [.audio])
        let published = try await manager.createPublisher(CreatePublisherRequest(participantId: "alice", roomId: "room-1", offer: offer))
        #expect(published.answer.contains(MediaPolicy.audioLevelURI), "the node keeps the audio level")
        try await publisher.acceptAnswer(published.answer)
        let (ssrc, levelID) = try await onLoop(publisher) {
            (publisher.localTracks.first?.ssrc ?? 0, publisher.headerExtensionIDs.id(of: MediaPolicy.audioLevelURI) ?? 0)
        }
        #expect(levelID != 0)

        var sequence: UInt16 = 0
        func send(level: UInt8, count: Int) async throws {
            for _ in 0..<count {
                sequence &+= 1
                var packet = RTPPacket(payloadType: 111, sequenceNumber: sequence, timestamp: UInt32(sequence) * 960, ssrc: ssrc,
                                       payload: [0xF8, 0xFF, 0xFE])
                try packet.setExtension(id: levelID, value: [RTPAudioLevel(level: level, voiceActivity: false).byte])
                let bytes = try packet.encode()
                try await onLoop(publisher) { publisher.sendRTP(ByteBuffer(bytes: bytes)) }
                try await Task.sleep(for: .milliseconds(5))
            }
        }
        // Loud (−10 dBov) until the node reports alice.
        try await waitUntil("alice reported speaking") {
            try await send(level: 10, count: 10)
            return reports.withLockedValue { $0.contains { $0.levels.first?.participantId == "alice" } }
        }
        let speaking = try #require(reports.withLockedValue { $0.first { !$0.levels.isEmpty } })
        #expect(speaking.nodeId == "node-a" && speaking.roomId == "room-1")
        #expect(speaking.levels.count == 1 && (5...100).contains(speaking.levels[0].level))
        // Silent (−127 dBov): one empty report.
        try await waitUntil("the room reported quiet") {
            try await send(level: 127, count: 10)
            return reports.withLockedValue { $0.last?.levels.isEmpty == true }
        }
        try await send(level: 127, count: 40)
        // Once per quiet spell: counted after the last report with a speaker (on a
        // loaded machine a pause in the loud phase above may already have read as quiet).
        let quietAfterSpeech = reports.withLockedValue { all in
            all[((all.lastIndex { !$0.levels.isEmpty } ?? -1) + 1)...].filter(\.levels.isEmpty).count
        }
        #expect(quietAfterSpeech == 1, "said once")
        await manager.closeAll()
    }
}
