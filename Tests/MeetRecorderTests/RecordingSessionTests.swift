import Foundation
import Logging
import MeetRTP
import Testing

@testable import MeetRecorder

/// A segment end to end on the local disk: RTP of two tracks in (reordered,
/// with a loss), per-track WebM files out with the right codec, size and
/// duration, names that stay inside the directory.
@Suite struct RecordingSessionTests {
    @Test func twoTracksBecomeTwoFinishedFiles() throws {
        let root = try TrackWriterTests.directory()
        defer { try? FileManager.default.removeItem(at: root) }
        let session = RecordingSession(
            recordingID: "rec-1", segment: 0, originMicroseconds: 0, storage: DirectoryStorage(root: root.path),
            tuning: RecordingTuning(reorderPackets: 16, reorderDelayMicroseconds: 100_000), metrics: RecorderMetrics(),
            logger: Logger(label: "test"))
        let audio = RecordedTrackName(meetingCode: "abc-defg-hij", recordingID: "rec-1", segment: 0, participantID: "p1", trackID: "a1", codec: .opus)
        let video = RecordedTrackName(meetingCode: "abc-defg-hij", recordingID: "rec-1", segment: 0, participantID: "p1", trackID: "v1", codec: .vp8)
        try session.addTrack(audio)
        try session.addTrack(video)
        // Two seconds: Opus every 20 ms (pairs swapped on the wire), VP8 at 30 fps, a keyframe every second.
        var videoSequence: UInt16 = 0
        var keyframeAsked = false
        for pair in stride(from: 0, to: 100, by: 2) {
            for sequence in [pair + 1, pair] {
                session.receive(RecorderFixtures.opus(sequence: UInt16(sequence), timestamp: UInt32(sequence * 960)), trackID: "a1", now: Int64(pair) * 20_000)
            }
        }
        for picture in 0..<60 {
            let data = picture % 30 == 0 ? RecorderFixtures.keyframe(width: 320, height: 240, bytes: 60) : RecorderFixtures.interframe(bytes: 30)
            let packets = RecorderFixtures.vp8Packets(data, sequence: videoSequence, timestamp: UInt32(picture * 3000), ssrc: 1)
            videoSequence &+= UInt16(packets.count)
            for (index, packet) in packets.enumerated() {
                // One packet of picture 40 never arrives.
                if picture == 40 && index == 1 { continue }
                if session.receive(packet, trackID: "v1", now: Int64(picture) * 33_333) { keyframeAsked = true }
            }
            if !session.tick(now: Int64(picture) * 33_333).isEmpty { keyframeAsked = true }
        }
        let files = session.finish(now: 2_100_000)
        #expect(keyframeAsked)
        #expect(files.count == 2)
        let audioFile = try #require(files.first { $0.name.codec == .opus })
        let videoFile = try #require(files.first { $0.name.codec == .vp8 })
        #expect(audioFile.path.hasSuffix("abc-defg-hij/rec-1/seg0-p1-a1.webm"))
        let audioInfo = try TrackFileInfo(probing: audioFile.path)
        #expect(audioInfo.codec == "opus")
        #expect(audioInfo.packets == 100)
        #expect(audioInfo.durationMilliseconds == 2_000)
        let videoInfo = try TrackFileInfo(probing: videoFile.path)
        #expect(videoInfo.codec == "vp8")
        #expect((videoInfo.width, videoInfo.height) == (320, 240))
        // Pictures 40…59 depend on the lost one: only 0…39 are in the file.
        #expect(videoInfo.packets == 40)
        #expect(videoFile.lostPackets == 1)
        #expect(videoFile.frames == 40)
        // The size the metadata row gets is the file's, container included.
        for file in files {
            let size = try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int
            #expect(file.bytes == size)
        }
    }

    @Test func idsFromTheWireCannotLeaveTheDirectory() throws {
        let name = RecordedTrackName(meetingCode: "../..", recordingID: "a/b", segment: 2, participantID: "../../etc", trackID: "x y", codec: .vp8)
        #expect(name.fileName == "seg2-etc-xy.webm")
        let root = try TrackWriterTests.directory()
        defer { try? FileManager.default.removeItem(at: root) }
        let path = try DirectoryStorage(root: root.path).trackPath(name)
        #expect(path.hasPrefix(root.path + "/"))
        #expect(!path.contains(".."))
    }

    @Test func theDirectoryStoreReportsWhetherItCanWrite() throws {
        let root = try TrackWriterTests.directory()
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(DirectoryStorage(root: root.path).isWritable())
        #expect(!DirectoryStorage(root: "/proc/meet-recorder-cannot-write").isWritable())
    }
}
