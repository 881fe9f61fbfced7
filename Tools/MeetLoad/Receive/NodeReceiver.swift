import Foundation
import MeetProtocol
import MeetRTC
import NIOConcurrencyHelpers
import NIOCore

/// The receiving end of one subscriber connection per node (`perNode`,
/// docs/signaling.md): which publisher's track each section carries now,
/// from the node's offers (a section of someone who left is reused for the
/// next), packets counted per publisher and section
/// (``TrackReceiveStats``), and which videos the node says it forwards
/// (last-N `video-selection`), so that a video it pauses on purpose is not
/// counted as frozen.
///
/// The delegate methods run on the connection's event loop; the state sits
/// behind a lock taken once per packet.
final class NodeReceiver: PeerConnectionDelegate, @unchecked Sendable {
    /// Whose the audio slot sections are in the counters (docs/dev/audio-slots.md):
    /// nobody's in particular, so one pseudo publisher, the nil UUID.
    static let audioSlots = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))

    private struct Section: Equatable {
        var publisher: UUID
        var source: MeetProtocol.MediaKind
    }

    private struct State {
        var connectedAt: UInt64?
        var failure: String?
        /// mid → the track it carries now.
        var sections: [String: Section] = [:]
        /// publisher → mid → counters.
        var stats: [UUID: [String: TrackReceiveStats]] = [:]
        /// When each publisher was added to the connection.
        var addedAt: [UUID: UInt64] = [:]
        /// The videos forwarded; nil before any `video-selection` (all are).
        var forwarding: Set<VideoSelectionData.Video>?
    }

    private let state = NIOLockedValueBox(State())
    private let freezeThresholdNanos: UInt64
    private let onFailure: @Sendable (PeerConnectionState) -> Void

    init(freezeThresholdNanos: UInt64, onFailure: @escaping @Sendable (PeerConnectionState) -> Void) {
        self.freezeThresholdNanos = freezeThresholdNanos
        self.onFailure = onFailure
    }

    /// The tracks of the node's latest offer (every track the connection
    /// carries, each with its section's mid, and its audio slot sections), as of `now`.
    func carry(_ tracks: [TrackInfo], audioSlots: [String] = [], now: UInt64) {
        let threshold = freezeThresholdNanos
        state.withLockedValue { state in
            var sections: [String: Section] = [:]
            for mid in audioSlots {
                sections[mid] = Section(publisher: Self.audioSlots, source: .mic)
                if state.addedAt[Self.audioSlots] == nil { state.addedAt[Self.audioSlots] = now }
                if state.stats[Self.audioSlots]?[mid] == nil {
                    state.stats[Self.audioSlots, default: [:]][mid] = TrackReceiveStats(isVideo: false, freezeThresholdNanos: threshold)
                }
            }
            for track in tracks {
                guard let mid = track.mid else { continue }
                sections[mid] = Section(publisher: track.participantId, source: track.kind)
                if state.addedAt[track.participantId] == nil { state.addedAt[track.participantId] = now }
                if state.stats[track.participantId]?[mid] == nil {
                    var stats = TrackReceiveStats(isVideo: track.kind != .mic, freezeThresholdNanos: threshold)
                    if let forwarding = state.forwarding, track.kind != .mic,
                        !forwarding.contains(VideoSelectionData.Video(participantId: track.participantId, source: track.kind))
                    {
                        stats.pause(at: now)
                    }
                    state.stats[track.participantId, default: [:]][mid] = stats
                }
            }
            state.sections = sections
        }
    }

    /// The node's `video-selection` at `now`: pauses and resumes videos.
    func forward(_ videos: Set<VideoSelectionData.Video>, now: UInt64) {
        state.withLockedValue { state in
            state.forwarding = videos
            for (mid, section) in state.sections where section.source != .mic {
                let forwarded = videos.contains(VideoSelectionData.Video(participantId: section.publisher, source: section.source))
                if forwarded {
                    state.stats[section.publisher]?[mid]?.resume(at: now)
                } else {
                    state.stats[section.publisher]?[mid]?.pause(at: now)
                }
            }
        }
    }

    /// Drops `publisher`'s counters (taken into the report: a later
    /// subscription to it on this connection starts afresh).
    func forget(_ publisher: UUID) {
        state.withLockedValue { state in
            state.stats.removeValue(forKey: publisher)
            state.addedAt.removeValue(forKey: publisher)
        }
    }

    /// Whether the connection's latest offer carries a track of `publisher`.
    func carries(_ publisher: UUID) -> Bool {
        state.withLockedValue { $0.sections.values.contains { $0.publisher == publisher } }
    }

    /// Whether `publisher` should deliver media here: its connection carries
    /// its mic, or a video of it that the node forwards (every video before
    /// the first `video-selection`). A video paused by last-N whose audio
    /// plays through the audio slots delivers nothing, on purpose.
    func expectsMedia(from publisher: UUID) -> Bool {
        state.withLockedValue { state in
            state.sections.values.contains { section in
                guard section.publisher == publisher else { return false }
                guard section.source != .mic, let forwarding = state.forwarding else { return true }
                return forwarding.contains(VideoSelectionData.Video(participantId: publisher, source: section.source))
            }
        }
    }

    /// Whether `publisher` has a camera or screen track on this connection.
    func expectsVideo(from publisher: UUID) -> Bool {
        state.withLockedValue { $0.sections.values.contains { $0.publisher == publisher && $0.source != .mic } }
    }

    /// What `publisher`'s tracks delivered here (trailing freezes counted up to `now`, when given).
    func snapshot(of publisher: UUID, closingAt now: UInt64? = nil) -> MediaReceiver.Snapshot {
        state.withLockedValue { state in
            var tracks = state.stats[publisher] ?? [:]
            if let now { tracks = tracks.mapValues { $0.closed(at: now) } }
            return MediaReceiver.Snapshot(
                subscribedAt: state.addedAt[publisher] ?? 0, connectedAt: state.connectedAt, failure: state.failure,
                tracks: tracks)
        }
    }

    // MARK: PeerConnectionDelegate

    func peerConnection(_ connection: PeerConnection, didChangeState newState: PeerConnectionState) {
        switch newState {
        case .connected:
            let now = NIODeadline.now().uptimeNanoseconds
            state.withLockedValue { $0.connectedAt = $0.connectedAt ?? now }
        case .failed:
            state.withLockedValue { $0.failure = newState.description }
            onFailure(newState)
        default:
            break
        }
    }

    func peerConnection(_ connection: PeerConnection, didReceiveRTP packet: ByteBuffer, track: RemoteTrack) {
        let now = NIODeadline.now().uptimeNanoseconds
        packet.withUnsafeReadableBytes { bytes in
            state.withLockedValue { state in
                guard let section = state.sections[track.mid] else { return }
                state.stats[section.publisher]?[track.mid]?.record(bytes, now: now)
            }
        }
    }
}
