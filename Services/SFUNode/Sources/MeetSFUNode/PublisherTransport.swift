import Logging
import MeetRTC
import NIOCore

/// A participant's upstream connection: receives its tracks and hands each
/// RTP packet to every subscriber transport of this publisher on the node.
///
/// Event loop only (the socket's loop), like every `PeerConnection` callback.
final class PublisherTransport: PeerConnectionDelegate, @unchecked Sendable {
    let participantId: String
    let roomId: String
    /// Set right after creation (the connection takes this object as its delegate);
    /// nil once the connection ended.
    private(set) var connection: PeerConnection?
    private(set) var id = ""
    /// Header extension ids negotiated per mid (from our answer): mid → (URI → id).
    var extensionIDs: [String: [String: UInt8]] = [:]
    /// Subscriber transports of this publisher, by transport id.
    var subscribers: [String: SubscriberTransport] = [:]
    private let counters: TrafficCounters
    private let onEnd: (String) -> Void
    private let logger: Logger

    init(
        participantId: String, roomId: String, counters: TrafficCounters, logger: Logger,
        onEnd: @escaping (String) -> Void
    ) {
        self.participantId = participantId
        self.roomId = roomId
        self.counters = counters
        self.onEnd = onEnd
        self.logger = logger
    }

    func attach(_ connection: PeerConnection) {
        self.connection = connection
        self.id = connection.id
    }

    /// The publisher's negotiated tracks (what a subscriber offer mirrors).
    var remoteTracks: [RemoteTrack] { connection?.remoteTracks ?? [] }

    func peerConnection(_ connection: PeerConnection, didChangeState state: PeerConnectionState) {
        logger.info("publisher state", metadata: ["transport": "\(id)", "state": "\(state)"])
        if state.isTerminal {
            self.connection = nil
            onEnd(id)
        }
    }

    func peerConnection(_ connection: PeerConnection, didReceiveRTP packet: ByteBuffer, track: RemoteTrack) {
        counters.packetsIn &+= 1
        counters.bytesIn &+= packet.readableBytes
        for subscriber in subscribers.values {
            subscriber.forward(packet, from: track)
        }
    }

    /// Relays the publisher's sender reports to its subscribers (A/V sync).
    func peerConnection(_ connection: PeerConnection, didReceiveRTCP packet: ByteBuffer) {
        guard !subscribers.isEmpty else { return }
        for report in SenderReports.find(in: packet) {
            for subscriber in subscribers.values {
                subscriber.forwardSenderReport(packet, at: report.offset, from: report.ssrc)
            }
        }
    }

    /// Sends feedback (PLI, FIR, NACK already re-pointed at our SSRCs) upstream.
    func sendFeedback(_ packet: ByteBuffer) {
        connection?.sendRTCP(packet)
    }

    /// Closes the connection (its state change removes it from the manager).
    func close(reason: String) {
        connection?.close(reason: reason)
    }
}

/// Packet and byte counts of the node (event loop only), read by the registry heartbeat.
final class TrafficCounters: @unchecked Sendable {
    var packetsIn = 0
    var bytesIn = 0
    var packetsOut = 0
    var bytesOut = 0
}
