import Foundation
import MeetRTP
import Testing

@testable import MeetRecorder

/// RTP from ffmpeg's own VP8 and Opus packetizers (Fixtures/README.md) through
/// the whole pipeline into a file: our depacketizer against an independent
/// implementation, and the file read back by libavformat.
@Suite struct CapturedRTPTests {
    /// The datagrams of a fixture (2-byte big-endian length, then the bytes).
    static func packets(_ name: String) throws -> [RTPPacket] {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
        let bytes = [UInt8](try Data(contentsOf: url))
        var packets: [RTPPacket] = []
        var index = 0
        while index + 2 <= bytes.count {
            let length = Int(bytes[index]) << 8 | Int(bytes[index + 1])
            packets.append(try RTPPacket(parsing: Array(bytes[(index + 2)..<(index + 2 + length)])))
            index += 2 + length
        }
        return packets
    }

    /// Records `packets` (arriving on time by their RTP clock, less `dropping`) to a file; returns what libavformat reads back.
    static func record(_ packets: [RTPPacket], codec: TrackCodec, dropping: Set<Int> = []) throws -> (TrackFileInfo, TrackRecorder) {
        let dir = try TrackWriterTests.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("t.webm").path
        let writer = TrackWriter(path: path, codec: codec)
        var track = TrackRecorder(codec: codec, originMicroseconds: 0)
        let first = Int64(packets[0].timestamp)
        var now: Int64 = 0
        var actions: [TrackRecorder.Action] = []
        for (index, packet) in packets.enumerated() where !dropping.contains(index) {
            now = (Int64(packet.timestamp) - first) * 1_000_000 / codec.clockRate
            actions += track.tick(now: now)
            actions += track.receive(packet, now: now)
        }
        actions += track.finish(now: now + 1_000_000)
        for case .write(let frame, let pts, let duration) in actions {
            try writer.write(frame, presentationMilliseconds: pts, durationMilliseconds: duration)
        }
        try writer.finish()
        return (try TrackFileInfo(probing: path), track)
    }

    @Test func ffmpegsVP8BecomesAWebMWithEveryPicture() throws {
        let (info, track) = try Self.record(try Self.packets("ffmpeg-vp8-160x120-2s.rtp"), codec: .vp8)
        #expect(info.codec == "vp8")
        #expect((info.width, info.height) == (160, 120))
        #expect(info.packets == 60)
        #expect(info.keyframes == 2)
        // 60 pictures at 30 fps: 59 intervals of 33.3 ms, the last shown as long as the one before.
        #expect((1_990...2_010).contains(info.durationMilliseconds))
        #expect(track.droppedFrames == 0)
    }

    @Test func aLostPacketOfFfmpegsVP8LeavesOutOnlyUpToTheNextKeyframe() throws {
        let packets = try Self.packets("ffmpeg-vp8-160x120-2s.rtp")
        // A packet of picture 10; the second keyframe is picture 30.
        let timestamps = packets.map(\.timestamp).reduce(into: [UInt32]()) { if $0.last != $1 { $0.append($1) } }
        let victim = try #require(packets.firstIndex { $0.timestamp == timestamps[10] })
        let (info, track) = try Self.record(packets, codec: .vp8, dropping: [victim])
        #expect(info.packets == 60 - 20)
        #expect(info.keyframes == 2)
        // Picture 10 was one packet: the assembler never saw it; 11…29 it dropped.
        #expect(track.droppedFrames == 19)
    }

    @Test func ffmpegsOpusBecomesAWebMOfTwoSeconds() throws {
        let (info, _) = try Self.record(try Self.packets("ffmpeg-opus-2s.rtp"), codec: .opus)
        #expect(info.codec == "opus")
        #expect(info.sampleRate == 48_000)
        #expect(info.packets == 101)
        #expect(info.durationMilliseconds == 2_020)
    }
}
