public import Logging
public import MeetRTP
import Metrics

/// One recorder's segment of one recording: a `TrackRecorder` (sans-I/O)
/// and a `TrackWriter` (the file) per subscribed track. The media side feeds
/// it RTP and sender reports as they come off the subscriber connections;
/// it answers which tracks need a keyframe (the caller sends PLI).
///
/// Owned by one task (not thread-safe); a write error ends that track's file
/// (logged, counted), never the others.
public final class RecordingSession {
    public let recordingID: String
    public let segment: Int
    public let originMicroseconds: Int64
    private let storage: any RecordingStorage
    private let tuning: RecordingTuning
    private let metrics: RecorderMetrics
    private let logger: Logger
    private var tracks: [String: Track] = [:]
    private var senders: [String: SenderClock] = [:]
    private var finished: [RecordedFile] = []

    private struct Track {
        var name: RecordedTrackName
        var recorder: TrackRecorder
        var writer: TrackWriter?
        var lost: Int64 = 0
        var size: VideoSize?
    }

    public init(
        recordingID: String, segment: Int, originMicroseconds: Int64, storage: any RecordingStorage, tuning: RecordingTuning,
        metrics: RecorderMetrics, logger: Logger
    ) {
        self.recordingID = recordingID
        self.segment = segment
        self.originMicroseconds = originMicroseconds
        self.storage = storage
        self.tuning = tuning
        self.metrics = metrics
        var logger = logger
        logger[metadataKey: "recording"] = "\(recordingID)"
        logger[metadataKey: "segment"] = "\(segment)"
        self.logger = logger
    }

    /// Starts a file for a track now subscribed.
    public func addTrack(_ name: RecordedTrackName) throws {
        guard tracks[name.trackID] == nil else { return }
        let path = try storage.trackPath(name)
        let recorder = TrackRecorder(
            codec: name.codec, originMicroseconds: originMicroseconds, reorderCapacity: tuning.reorderPackets,
            reorderDelayMicroseconds: tuning.reorderDelayMicroseconds, keyframeRetryMicroseconds: tuning.keyframeRetryMicroseconds)
        tracks[name.trackID] = Track(name: name, recorder: recorder, writer: TrackWriter(path: path, codec: name.codec))
        metrics.activeTracks.record(tracks.count)
        logger.info("recording track", metadata: ["participant": "\(name.participantID)", "track": "\(name.trackID)", "path": "\(path)"])
    }

    /// An RTP packet of `trackID`; returns true when the track needs a keyframe.
    @discardableResult
    public func receive(_ packet: RTPPacket, trackID: String, now: Int64) -> Bool {
        guard var track = tracks[trackID] else { return false }
        let actions = track.recorder.receive(packet, now: now)
        let wantsKeyframe = apply(actions, to: &track)
        tracks[trackID] = track
        return wantsKeyframe
    }

    /// A sender report for `trackID`, as forwarded by the node (NTP from the sender, RTP in the track's numbering).
    public func senderReport(trackID: String, ntp: UInt64, rtpTimestamp: UInt32, now: Int64) {
        guard var track = tracks[trackID] else { return }
        let local = senders[track.name.participantID, default: SenderClock()].localMicroseconds(ntp: ntp, arrivalMicroseconds: now)
        track.recorder.senderReport(localMicroseconds: local, rtpTimestamp: rtpTimestamp)
        tracks[trackID] = track
    }

    /// Time passes; returns the tracks that need a keyframe.
    public func tick(now: Int64) -> [String] {
        var keyframes: [String] = []
        for trackID in Array(tracks.keys) {
            guard var track = tracks[trackID] else { continue }
            if apply(track.recorder.tick(now: now), to: &track) { keyframes.append(trackID) }
            tracks[trackID] = track
        }
        return keyframes
    }

    /// Ends one track (its publisher left or the subscription closed): its file is finished.
    public func removeTrack(_ trackID: String, now: Int64) {
        guard var track = tracks.removeValue(forKey: trackID) else { return }
        finish(&track, now: now)
        metrics.activeTracks.record(tracks.count)
    }

    /// Ends the segment: every file finished; returns them all.
    public func finish(now: Int64) -> [RecordedFile] {
        for trackID in Array(tracks.keys) { removeTrack(trackID, now: now) }
        return finished
    }

    private func finish(_ track: inout Track, now: Int64) {
        _ = apply(track.recorder.finish(now: now), to: &track)
        guard let writer = track.writer else { return }
        track.writer = nil
        do {
            guard try writer.finish() else { return }
            metrics.filesFinished.increment()
            let file = RecordedFile(
                name: track.name, path: writer.path, bytes: writer.fileBytes, frames: writer.framesWritten,
                startMilliseconds: writer.firstMilliseconds ?? 0, durationMilliseconds: writer.durationMilliseconds,
                lostPackets: track.lost, resolutionChanges: track.recorder.resolutionChanges)
            finished.append(file)
            logger.info(
                "track file finished",
                metadata: ["path": "\(file.path)", "bytes": "\(file.bytes)", "durationMs": "\(file.durationMilliseconds)", "lost": "\(file.lostPackets)"])
        } catch {
            metrics.writeErrors.increment()
            logger.error("cannot finish track file", metadata: ["path": "\(writer.path)", "error": "\(error)"])
        }
    }

    /// Runs a track's actions against its file; true when a keyframe is needed.
    private func apply(_ actions: [TrackRecorder.Action], to track: inout Track) -> Bool {
        var wantsKeyframe = false
        for action in actions {
            switch action {
            case .requestKeyframe:
                wantsKeyframe = true
                metrics.keyframeRequests.increment()
            case .lost(let packets):
                track.lost += packets
                metrics.packetsLost.increment(by: packets)
            case .write(let frame, let pts, let duration):
                guard let writer = track.writer else { continue }
                do {
                    try writer.write(frame, presentationMilliseconds: pts, durationMilliseconds: duration)
                    metrics.framesWritten.increment()
                    metrics.bytesWritten.increment(by: frame.data.count)
                    if let size = frame.videoSize, size != track.size {
                        // WebM takes frames of any size; the change is only worth a line in the log.
                        logger.info("picture size", metadata: ["track": "\(track.name.trackID)", "size": "\(size)", "atMs": "\(pts)"])
                        track.size = size
                    }
                } catch {
                    // This track's file stops here; the others go on.
                    metrics.writeErrors.increment()
                    logger.error("cannot write track file", metadata: ["path": "\(writer.path)", "error": "\(error)"])
                    track.writer = nil
                }
            }
        }
        return wantsKeyframe
    }
}

/// How the recorder's media pipeline is tuned (MEET_RECORDING_*).
public struct RecordingTuning: Sendable, Equatable {
    public var reorderPackets: Int
    public var reorderDelayMicroseconds: Int64
    public var keyframeRetryMicroseconds: Int64

    public init(reorderPackets: Int = 64, reorderDelayMicroseconds: Int64 = 200_000, keyframeRetryMicroseconds: Int64 = 1_000_000) {
        self.reorderPackets = reorderPackets
        self.reorderDelayMicroseconds = reorderDelayMicroseconds
        self.keyframeRetryMicroseconds = keyframeRetryMicroseconds
    }
}

/// A finished per-track file and what the metadata row needs.
public struct RecordedFile: Hashable, Sendable {
    public var name: RecordedTrackName
    public var path: String
    public var bytes: Int
    public var frames: Int
    /// Where the file starts on the recording's timeline.
    public var startMilliseconds: Int64
    public var durationMilliseconds: Int64
    public var lostPackets: Int64
    public var resolutionChanges: Int
}
