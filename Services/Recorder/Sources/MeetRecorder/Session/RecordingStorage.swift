public import Foundation

/// Where a recording's per-track files go. The directory store is the
/// default (a volume in compose, a PVC in k8s); S3 comes next (docs/dev/recording.md).
public protocol RecordingStorage: Sendable {
    /// The local path a track's file is written to while recording; created
    /// with its parent directories.
    func trackPath(_ track: RecordedTrackName) throws -> String
}

/// What names a per-track file: recording, segment (a new one after a
/// recorder failover), participant, track.
public struct RecordedTrackName: Hashable, Sendable {
    public var meetingCode: String
    public var recordingID: String
    public var segment: Int
    public var participantID: String
    public var trackID: String
    public var codec: TrackCodec

    public init(meetingCode: String, recordingID: String, segment: Int, participantID: String, trackID: String, codec: TrackCodec) {
        self.meetingCode = meetingCode
        self.recordingID = recordingID
        self.segment = segment
        self.participantID = participantID
        self.trackID = trackID
        self.codec = codec
    }

    /// `seg{n}-{participant}-{track}.webm`, each id reduced to letters, digits, `-` and `_`
    /// (ids come from the wire; a `/` or `..` must not leave the directory).
    public var fileName: String {
        "seg\(segment)-\(Self.safe(participantID))-\(Self.safe(trackID)).\(codec.fileExtension)"
    }

    static func safe(_ id: String) -> String {
        let kept = String(id.unicodeScalars.filter { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_") }.prefix(64))
        return kept.isEmpty ? "_" : kept
    }
}

/// `{root}/{meetingCode}/{recordingID}/seg{n}-{participant}-{track}.webm`.
public struct DirectoryStorage: RecordingStorage {
    public let root: String

    public init(root: String) {
        self.root = root
    }

    public func trackPath(_ track: RecordedTrackName) throws -> String {
        let directory = self.recordingDirectory(meetingCode: track.meetingCode, recordingID: track.recordingID)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory.appendingPathComponent(track.fileName).path
    }

    /// `{root}/{meetingCode}/{recordingID}`: where every segment's files of a recording go.
    public func recordingDirectory(meetingCode: String, recordingID: String) -> URL {
        URL(fileURLWithPath: root).appendingPathComponent(RecordedTrackName.safe(meetingCode))
            .appendingPathComponent(RecordedTrackName.safe(recordingID))
    }

    /// True when the root exists (or can be made) and takes a file: the readiness check.
    public func isWritable() -> Bool {
        let probe = URL(fileURLWithPath: root).appendingPathComponent(".meet-recorder-probe-\(getpid())")
        do {
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            try Data().write(to: probe)
            try FileManager.default.removeItem(at: probe)
            return true
        } catch {
            return false
        }
    }
}
