import Metrics

/// meet-recorder's counters at `/metrics` (docs/operations.md), handles cached once.
public struct RecorderMetrics: Sendable {
    let framesWritten = Counter(label: "meet_recorder_frames_written_total")
    let bytesWritten = Counter(label: "meet_recorder_bytes_written_total")
    let packetsLost = Counter(label: "meet_recorder_packets_lost_total")
    let keyframeRequests = Counter(label: "meet_recorder_keyframe_requests_total")
    let writeErrors = Counter(label: "meet_recorder_write_errors_total")
    let filesFinished = Counter(label: "meet_recorder_files_finished_total")
    let activeTracks = Gauge(label: "meet_recorder_active_tracks")

    public init() {}
}
