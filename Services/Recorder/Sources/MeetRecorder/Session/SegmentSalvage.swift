public import Foundation
public import Logging

/// What a recorder that takes a recording over (failover, docs/dev/recording.md)
/// does with the files of the segments before its own: a recorder that was
/// killed left them as `seg{n}-{participant}-{track}.webm.part`, without a
/// trailer and perhaps with a torn last cluster. Each one whose segment is
/// older than the new one is copied, packet by packet, into its final name
/// with a proper trailer (``TrackFileInfo/repair(_:into:)``), the `.part`
/// removed, and returned as a ``RecordedFile`` of its own segment, so the
/// recording lists it like any finished file.
///
/// Only what the same directory holds can be salvaged: with one volume per
/// recorder (a PVC each), the dead recorder's files stay on its volume and
/// the segment is listed without files.
public struct SegmentSalvage: Sendable {
    /// The recording's directory (``DirectoryStorage/recordingDirectory(meetingCode:recordingID:)``).
    public let directory: URL
    public let meetingCode: String
    public let recordingID: String
    private let logger: Logger

    public init(directory: URL, meetingCode: String, recordingID: String, logger: Logger) {
        self.directory = directory
        self.meetingCode = meetingCode
        self.recordingID = recordingID
        self.logger = logger
    }

    /// Repairs every `.part` file of a segment before `segment`; a file with
    /// no readable packet is left as it is (logged).
    public func salvage(before segment: Int) -> [RecordedFile] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: self.directory.path)) ?? []
        var files: [RecordedFile] = []
        for part in names.sorted() {
            guard let name = Self.parse(part, meetingCode: self.meetingCode, recordingID: self.recordingID), name.segment < segment else { continue }
            let partPath = self.directory.appendingPathComponent(part).path
            let finalPath = String(partPath.dropLast(".part".count))
            do {
                try TrackFileInfo.repair(partPath, into: finalPath)
                let info = try TrackFileInfo(probing: finalPath)
                var recorded = name
                recorded.codec = info.codec == "vp8" ? .vp8 : info.codec == "h264" ? .h264 : .opus
                try? FileManager.default.removeItem(atPath: partPath)
                let bytes = (try? FileManager.default.attributesOfItem(atPath: finalPath)[.size] as? NSNumber)?.intValue ?? 0
                files.append(
                    RecordedFile(
                        name: recorded, path: finalPath, bytes: bytes, frames: Int(info.packets), startMilliseconds: info.startMilliseconds,
                        durationMilliseconds: info.durationMilliseconds, lostPackets: 0, resolutionChanges: 0))
                self.logger.notice(
                    "salvaged a file of a dead recorder's segment",
                    metadata: ["path": "\(finalPath)", "segment": "\(name.segment)", "durationMs": "\(info.durationMilliseconds)"])
            } catch {
                try? FileManager.default.removeItem(atPath: finalPath)
                self.logger.warning("cannot salvage a dead recorder's file", metadata: ["path": "\(partPath)", "error": "\(error)"])
            }
        }
        return files
    }

    /// `seg{n}-{participant UUID}-{track}.webm.part` (`.mkv.part` for H.264) → its name (codec from
    /// the extension's container; the probe decides). The track id is the
    /// file name's (``RecordedTrackName/safe(_:)``: a `:` is gone).
    static func parse(_ file: String, meetingCode: String, recordingID: String) -> RecordedTrackName? {
        guard file.hasPrefix("seg"), let suffix = [".webm.part", ".mkv.part"].first(where: { file.hasSuffix($0) }) else { return nil }
        let body = file.dropFirst(3).dropLast(suffix.count)
        guard let dash = body.firstIndex(of: "-"), let segment = Int(body[..<dash]), segment >= 0 else { return nil }
        let rest = body[body.index(after: dash)...]
        guard rest.count > 37, let participant = UUID(uuidString: String(rest.prefix(36))), rest.dropFirst(36).first == "-" else { return nil }
        return RecordedTrackName(
            meetingCode: meetingCode, recordingID: recordingID, segment: segment, participantID: participant.uuidString.lowercased(),
            trackID: String(rest.dropFirst(37)), codec: .opus)
    }
}
