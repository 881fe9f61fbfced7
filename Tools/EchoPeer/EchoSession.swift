import Logging
import MeetRTC
import NIOCore

/// Sends a peer's media back to it: every RTP packet of a remote track goes
/// out on the local track of the same mid with the SSRC we announced, and
/// feedback the peer sends about our tracks (PLI, FIR, NACK) goes back to it
/// about its own tracks, so its encoder answers its own decoder.
///
/// Runs entirely on the connection's event loop (``EventLoopConfined``,
/// like the SFU node's transports): created off the loop and handed to it
/// once, then only touched there; `Sendable` for that one hand-over, and
/// every callback asserts the loop (debug builds).
final class EchoSession: PeerConnectionDelegate, EventLoopConfined, @unchecked Sendable {
    /// The socket's loop, where the connection calls back.
    let eventLoop: any EventLoop
    /// Set once before the connection is shared, then read on the loop.
    weak var connection: PeerConnection?
    private let logger: Logger
    private let onEnd: (PeerConnectionStats) -> Void
    /// remote SSRC → local SSRC (filled on first packet of each remote stream).
    private var outgoing: [UInt32: UInt32] = [:]
    /// local SSRC → the remote SSRC echoed on it (for feedback).
    private var incoming: [UInt32: UInt32] = [:]

    init(eventLoop: any EventLoop, logger: Logger, onEnd: @escaping (PeerConnectionStats) -> Void) {
        self.eventLoop = eventLoop
        self.logger = logger
        self.onEnd = onEnd
    }

    func peerConnection(_ connection: PeerConnection, didChangeState state: PeerConnectionState) {
        assertOnOwningLoop()
        logger.info("peer state", metadata: ["peer": "\(connection.id)", "state": "\(state)"])
        if state.isTerminal {
            onEnd(connection.stats)
        }
    }

    func peerConnection(_ connection: PeerConnection, didReceiveRTP packet: ByteBuffer, track: RemoteTrack) {
        assertOnOwningLoop()
        guard let remoteSSRC = packet.getInteger(at: packet.readerIndex + 8, as: UInt32.self) else { return }
        let localSSRC: UInt32
        if let known = outgoing[remoteSSRC] {
            localSSRC = known
        } else {
            guard let local = connection.localTracks.first(where: { $0.mid == track.mid }) else { return }
            localSSRC = local.ssrc
            outgoing[remoteSSRC] = localSSRC
            incoming[localSSRC] = remoteSSRC
            logger.debug("echoing stream", metadata: ["peer": "\(connection.id)", "mid": "\(track.mid)", "from": "\(remoteSSRC)", "to": "\(localSSRC)"])
        }
        var packet = packet
        packet.setInteger(localSSRC, at: packet.readerIndex + 8)
        connection.sendRTP(packet)
    }

    func peerConnection(_ connection: PeerConnection, didReceiveRTCP packet: ByteBuffer) {
        assertOnOwningLoop()
        if let feedback = RTCPFeedbackRewriter.rewrite(packet, mediaSSRCs: incoming) {
            connection.sendRTCP(feedback)
        }
    }
}
