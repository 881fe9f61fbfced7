import Foundation
public import Logging
public import MeetRTP

/// The segments this recorder is writing now, by recording id. On SIGTERM
/// (`finishAll`) every file gets its trailer and final name before the
/// process exits, so a rolling update loses nothing already received.
public actor RecordingSessions {
    private var sessions: [String: RecordingSession] = [:]
    private let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    public var count: Int { sessions.count }

    /// Opens the segment `segment` of `recordingID`, starting now (a session already open is kept).
    public func open(
        _ recordingID: String, segment: Int, originMicroseconds: Int64, storage: any RecordingStorage, tuning: RecordingTuning,
        metrics: RecorderMetrics
    ) {
        guard sessions[recordingID] == nil else { return }
        sessions[recordingID] = RecordingSession(
            recordingID: recordingID, segment: segment, originMicroseconds: originMicroseconds, storage: storage, tuning: tuning,
            metrics: metrics, logger: logger)
    }

    /// Starts a file for a track of an open recording (``RecordingSession/addTrack(_:)``).
    public func addTrack(_ name: RecordedTrackName) throws {
        try sessions[name.recordingID]?.addTrack(name)
    }

    /// An RTP packet of a track; true when it needs a keyframe (``RecordingSession/receive(_:trackID:now:)``).
    public func receive(_ recordingID: String, _ packet: RTPPacket, trackID: String, now: Int64) -> Bool {
        sessions[recordingID]?.receive(packet, trackID: trackID, now: now) ?? false
    }

    /// A sender report of a track (``RecordingSession/senderReport(trackID:ntp:rtpTimestamp:now:)``).
    public func senderReport(_ recordingID: String, trackID: String, ntp: UInt64, rtpTimestamp: UInt32, now: Int64) {
        sessions[recordingID]?.senderReport(trackID: trackID, ntp: ntp, rtpTimestamp: rtpTimestamp, now: now)
    }

    /// Time passes; the tracks that need a keyframe (``RecordingSession/tick(now:)``).
    public func tick(_ recordingID: String, now: Int64) -> [String] {
        sessions[recordingID]?.tick(now: now) ?? []
    }

    /// Ends one track's file (its publisher stopped, or its subscription moved).
    public func removeTrack(_ recordingID: String, trackID: String, now: Int64) {
        sessions[recordingID]?.removeTrack(trackID, now: now)
    }

    /// Ends one recording's segment: its files finished and returned.
    public func finish(_ recordingID: String, now: Int64) -> [RecordedFile] {
        sessions.removeValue(forKey: recordingID)?.finish(now: now) ?? []
    }

    /// Ends every segment (the drain).
    public func finishAll(now: Int64) -> [RecordedFile] {
        let ids = Array(sessions.keys)
        if !ids.isEmpty { logger.notice("finishing recordings", metadata: ["count": "\(ids.count)"]) }
        return ids.flatMap { finish($0, now: now) }
    }

    /// Microseconds on the local wall clock: the time every session runs on.
    public static func now() -> Int64 {
        Int64(Date().timeIntervalSince1970 * 1_000_000)
    }
}
