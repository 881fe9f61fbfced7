import MeetRTC
import NIOConcurrencyHelpers
import NIOCore

/// The receiving end of one subscriber connection: counts every RTP packet
/// of each offered track (``TrackReceiveStats``), keyed by mid, and notes
/// when the connection came up or why it failed.
///
/// The delegate methods run on the connection's event loop; the stats sit
/// behind a lock taken once per packet, uncontended except when the
/// progress line or the report reads them.
final class MediaReceiver: PeerConnectionDelegate, @unchecked Sendable {
    struct Snapshot: Sendable {
        var subscribedAt: UInt64
        var connectedAt: UInt64?
        var failure: String?
        var tracks: [String: TrackReceiveStats]
    }

    private let state: NIOLockedValueBox<Snapshot>
    private let freezeThresholdNanos: UInt64
    private let onFailure: @Sendable (PeerConnectionState) -> Void

    init(subscribedAt: UInt64, freezeThresholdNanos: UInt64, onFailure: @escaping @Sendable (PeerConnectionState) -> Void) {
        state = NIOLockedValueBox(Snapshot(subscribedAt: subscribedAt, tracks: [:]))
        self.freezeThresholdNanos = freezeThresholdNanos
        self.onFailure = onFailure
    }

    /// The counters as they are now (trailing freezes counted up to `now`).
    func snapshot(closingAt now: UInt64? = nil) -> Snapshot {
        var snapshot = state.withLockedValue { $0 }
        if let now { snapshot.tracks = snapshot.tracks.mapValues { $0.closed(at: now) } }
        return snapshot
    }

    // MARK: PeerConnectionDelegate

    func peerConnection(_ connection: PeerConnection, didChangeState newState: PeerConnectionState) {
        switch newState {
        case .connected:
            let now = NIODeadline.now().uptimeNanoseconds
            state.withLockedValue { $0.connectedAt = now }
        case .failed:
            state.withLockedValue { $0.failure = newState.description }
            onFailure(newState)
        default:
            break
        }
    }

    func peerConnection(_ connection: PeerConnection, didReceiveRTP packet: ByteBuffer, track: RemoteTrack) {
        let now = NIODeadline.now().uptimeNanoseconds
        let isVideo = track.kind == .video
        let threshold = freezeThresholdNanos
        packet.withUnsafeReadableBytes { bytes in
            state.withLockedValue { snapshot in
                snapshot.tracks[track.mid, default: TrackReceiveStats(isVideo: isVideo, freezeThresholdNanos: threshold)]
                    .record(bytes, now: now)
            }
        }
    }
}
