import Foundation
import Logging
import Testing

@testable import MeetRecorder

/// Failover (docs/dev/recording.md): the files a killed recorder left as
/// `.part` (no trailer, a torn end) are repaired into their final names and
/// listed under their own segment; the new segment's files are left alone.
@Suite struct SegmentSalvageTests {
    @Test func aDeadRecordersPartFilesAreRepairedAndListedUnderTheirSegment() throws {
        let dir = try TrackWriterTests.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let participant = UUID().uuidString.lowercased()
        let dead = dir.appendingPathComponent("seg0-\(participant)-tr1a.webm").path
        do {
            // Written, never finished: the writer goes away as a killed process's would (no trailer,
            // the open cluster never written).
            let writer = TrackWriter(path: dead, codec: .opus)
            for index in 0..<150 {
                try writer.write(MediaFrame(data: [0xFC, 0xFF, 0xFE], rtpTimestamp: Int64(index * 960), isKeyframe: true),
                                 presentationMilliseconds: Int64(500 + index * 20), durationMilliseconds: 20)
            }
        }
        // A torn last cluster: the kill came mid-write.
        let part = dead + ".part"
        let size = try #require(try FileManager.default.attributesOfItem(atPath: part)[.size] as? NSNumber).intValue
        try FileHandle(forWritingTo: URL(fileURLWithPath: part)).truncate(atOffset: UInt64(size - 7))
        // The new segment's file, being written now: not the salvage's business.
        let current = dir.appendingPathComponent("seg1-\(participant)-tr1a.webm.part").path
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: current))
        try Data([1, 2, 3]).write(to: dir.appendingPathComponent("notes.txt"))

        let salvage = SegmentSalvage(directory: dir, meetingCode: "abc-defg-hij", recordingID: "r1", logger: Logger(label: "test"))
        let files = salvage.salvage(before: 1)

        let file = try #require(files.first)
        #expect(files.count == 1)
        #expect(file.name.segment == 0)
        #expect(file.name.participantID == participant)
        #expect(file.name.trackID == "tr1a")
        #expect(file.name.codec == .opus)
        #expect(file.path == dead)
        // 500 as written; the Matroska demuxer shifts Opus by its pre-skip (312 samples) and rounding.
        #expect(abs(file.startMilliseconds - 500) <= 20)
        // The muxer closes a cluster each second; the one open at the kill
        // (and the torn end) is lost, the clusters before it are all there.
        #expect(file.frames >= 50 && file.frames < 150)
        #expect(file.durationMilliseconds == Int64(file.frames) * 20)
        let info = try TrackFileInfo(probing: dead)
        #expect(!info.truncated)
        #expect(info.packets == Int64(file.frames))
        #expect(!FileManager.default.fileExists(atPath: part))
        #expect(FileManager.default.fileExists(atPath: current))
    }

    @Test func onlyTheRecordersOwnPartNamesAreTaken() {
        let id = UUID().uuidString.lowercased()
        #expect(SegmentSalvage.parse("seg3-\(id)-t.webm.part", meetingCode: "m", recordingID: "r")?.segment == 3)
        #expect(SegmentSalvage.parse("seg3-\(id)-t.webm", meetingCode: "m", recordingID: "r") == nil)
        #expect(SegmentSalvage.parse("segx-\(id)-t.webm.part", meetingCode: "m", recordingID: "r") == nil)
        #expect(SegmentSalvage.parse("seg1-not-a-uuid-t.webm.part", meetingCode: "m", recordingID: "r") == nil)
        #expect(SegmentSalvage.parse("seg1-\(id)-.webm.part", meetingCode: "m", recordingID: "r") == nil)
    }
}
