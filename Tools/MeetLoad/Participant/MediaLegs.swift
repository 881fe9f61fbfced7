import Foundation
import MeetRTC
import NIOCore

/// A publisher connection: its own UDP socket (a client's connections to
/// one node address cannot share a socket: the socket routes by remote
/// address), the MeetRTC client peer connection and the sender on it.
struct PublisherLeg: Sendable {
    var transportId: String
    var socket: RTCSocket
    var connection: PeerConnection
    var sender: MediaSender

    func close() async {
        await sender.stop()
        try? await socket.close()
    }
}

/// One subscriber connection (today: one per publisher watched).
struct SubscriberLeg: Sendable {
    var publisher: UUID
    var transportId: String
    /// The offer has a camera or screen track.
    var expectsVideo: Bool
    var socket: RTCSocket
    var connection: PeerConnection
    var receiver: MediaReceiver

    func close() async {
        try? await socket.close()
    }
}

/// What one subscription delivered, for the report.
struct SubscriptionResult: Sendable {
    var publisher: UUID
    /// The publisher offered video (a camera or screen track).
    var expectsVideo: Bool
    var snapshot: MediaReceiver.Snapshot
    /// Still open at the end of the measurement (not closed by the room).
    var active: Bool
    /// Media of its own is due: false for a publisher heard (when loud)
    /// through the audio slots whose video, if any, last-N pauses, so no
    /// media of its own is no error.
    var expectsMedia = true

    /// Video frames on every video track.
    var videoFrames: Int { snapshot.tracks.values.filter(\.isVideo).reduce(0) { $0 + $1.frames } }
    /// When the first video frame (else the first audio packet) arrived.
    var firstMediaAt: UInt64? {
        let tracks = snapshot.tracks.values
        return tracks.filter(\.isVideo).compactMap(\.firstFrameAt).min() ?? tracks.compactMap(\.firstFrameAt).min()
    }
}

/// Polls `connection` until it is connected; throws `<what>_failed_<stage>`
/// when it ends first, `timeout_<what>_connect` when `timeout` passes.
func waitConnected(_ connection: PeerConnection, timeout: Duration, what: String) async throws(LoadError) {
    let deadline = ContinuousClock.now + timeout
    while true {
        let state = try? await connection.eventLoop.submit { connection.state }.get()
        switch state {
        case .connected?: return
        case .failed(let stage, let reason)?:
            throw LoadError("\(what)_failed_\(stage.rawValue.lowercased())", reason)
        case .closed(let reason)?:
            throw LoadError("\(what)_closed", reason)
        default:
            break
        }
        guard ContinuousClock.now < deadline else {
            throw LoadError("timeout_\(what)_connect", "not connected within \(timeout) (\(state.map { "\($0)" } ?? "?"))")
        }
        try? await Task.sleep(for: .milliseconds(20))
    }
}

/// Monotonic nanoseconds, the clock every measurement uses.
func monotonicNanos() -> UInt64 {
    NIODeadline.now().uptimeNanoseconds
}

/// Milliseconds between two ``monotonicNanos()`` readings.
func millis(from start: UInt64, to end: UInt64) -> Double {
    Double(end &- start) / 1e6
}

/// One subscriber connection to a node carrying several publishers
/// (`perNode`): re-offered by the node as publishers are added and taken off.
final class NodeLeg: Sendable {
    let nodeId: String
    let transportId: String
    let socket: RTCSocket
    let connection: PeerConnection
    let receiver: NodeReceiver

    init(nodeId: String, transportId: String, socket: RTCSocket, connection: PeerConnection, receiver: NodeReceiver) {
        self.nodeId = nodeId
        self.transportId = transportId
        self.socket = socket
        self.connection = connection
        self.receiver = receiver
    }

    /// What `publisher` delivered on this connection, as a subscription result.
    func result(for publisher: UUID, closingAt now: UInt64? = nil, active: Bool) -> SubscriptionResult {
        SubscriptionResult(
            publisher: publisher, expectsVideo: receiver.expectsVideo(from: publisher),
            snapshot: receiver.snapshot(of: publisher, closingAt: now), active: active,
            expectsMedia: receiver.expectsMedia(from: publisher))
    }

    func close() async {
        try? await socket.close()
    }
}
