import Logging
import MeetRTC
import NIOCore

/// A participant's downstream connection for one publisher: the node's
/// sendonly offer mirrors the publisher's tracks, and each forwarded packet
/// gets the SSRC and payload type announced in that offer. Feedback from the
/// subscriber (PLI, FIR, NACK) is re-pointed at the publisher's SSRCs and
/// sent upstream.
///
/// The packet is copied once per subscriber (ByteBuffer copy-on-write before
/// the SSRC rewrite); the allocation-free path is the MeetSFU router's job.
/// Event loop only.
final class SubscriberTransport: PeerConnectionDelegate, @unchecked Sendable {
    /// Where one publisher track goes on this connection.
    struct Route {
        var ssrc: UInt32
        /// Publisher payload type → the one in our offer; packets of other types are dropped.
        var payloadTypes: [UInt8: UInt8]
        /// Header extension ids to renumber; nil when both sides agree.
        var extensions: ExtensionIDMap?
    }

    let participantId: String
    weak var publisher: PublisherTransport?
    /// Set right after creation; nil once the connection ended.
    private(set) var connection: PeerConnection?
    private(set) var id = ""
    /// Header extension ids of our offer: mid → (URI → id).
    var offeredExtensionIDs: [String: [String: UInt8]] = [:]
    /// Publisher track mid → route; empty until the answer is applied.
    var routes: [String: Route] = [:]
    /// Our SSRC → the publisher's SSRC, for feedback (learnt from forwarded packets).
    private var upstreamSSRCs: [UInt32: UInt32] = [:]
    private let counters: TrafficCounters
    private let onEnd: (String) -> Void
    private let logger: Logger

    init(
        participantId: String, publisher: PublisherTransport, counters: TrafficCounters,
        logger: Logger, onEnd: @escaping (String) -> Void
    ) {
        self.participantId = participantId
        self.publisher = publisher
        self.counters = counters
        self.onEnd = onEnd
        self.logger = logger
    }

    func attach(_ connection: PeerConnection) {
        self.connection = connection
        self.id = connection.id
    }

    /// Builds the routes once the answer is applied: offer section `i` carries
    /// the publisher's track `i` (the offer was made in that order).
    func installRoutes(publisherTracks: [RemoteTrack], publisherExtensionIDs: [String: [String: UInt8]]) {
        guard let connection else { return }
        for (index, track) in publisherTracks.enumerated() {
            guard let local = connection.localTracks.first(where: { $0.mid == String(index) }), local.kind == track.kind else {
                continue
            }
            var payloadTypes: [UInt8: UInt8] = [:]
            for codec in track.codecs {
                switch codec.name.lowercased() {
                case "opus": payloadTypes[codec.payloadType] = OfferRules.opus.payloadType
                case "vp8": payloadTypes[codec.payloadType] = OfferRules.vp8.payloadType
                default: break
                }
            }
            let map = ExtensionIDMap(
                publisher: publisherExtensionIDs[track.mid] ?? [:], subscriber: offeredExtensionIDs[local.mid] ?? [:])
            routes[track.mid] = Route(ssrc: local.ssrc, payloadTypes: payloadTypes, extensions: map.isIdentity ? nil : map)
        }
    }

    /// Rewrites SSRC and payload type and sends (RFC 3550 §5.1 header: PT in byte 1, SSRC at offset 8).
    func forward(_ packet: ByteBuffer, from track: RemoteTrack) {
        guard let connection, let route = routes[track.mid] else { return }
        let start = packet.readerIndex
        guard let byte1 = packet.getInteger(at: start + 1, as: UInt8.self),
            let sourceSSRC = packet.getInteger(at: start + 8, as: UInt32.self),
            let payloadType = route.payloadTypes[byte1 & 0x7F]
        else { return }
        if upstreamSSRCs[route.ssrc] != sourceSSRC { upstreamSSRCs[route.ssrc] = sourceSSRC }
        var out = packet
        out.setInteger((byte1 & 0x80) | payloadType, at: start + 1)
        out.setInteger(route.ssrc, at: start + 8)
        route.extensions?.rewrite(&out, at: start)
        counters.packetsOut &+= 1
        counters.bytesOut &+= out.readableBytes
        connection.sendRTP(out)
    }

    /// Sends the publisher's SR about `publisherSSRC` as one about our SSRC for it.
    func forwardSenderReport(_ compound: ByteBuffer, at offset: Int, from publisherSSRC: UInt32) {
        guard let connection, let ours = upstreamSSRCs.first(where: { $0.value == publisherSSRC })?.key,
            let report = SenderReports.rewritten(compound, at: offset, as: ours)
        else { return }
        connection.sendRTCP(report)
    }

    func peerConnection(_ connection: PeerConnection, didChangeState state: PeerConnectionState) {
        logger.info("subscriber state", metadata: ["transport": "\(id)", "state": "\(state)"])
        if state.isTerminal {
            self.connection = nil
            onEnd(id)
        }
    }

    func peerConnection(_ connection: PeerConnection, didReceiveRTP packet: ByteBuffer, track: RemoteTrack) {}

    func peerConnection(_ connection: PeerConnection, didReceiveRTCP packet: ByteBuffer) {
        guard let publisher, let feedback = RTCPFeedbackRewriter.rewrite(packet, mediaSSRCs: upstreamSSRCs) else { return }
        publisher.sendFeedback(feedback)
    }

    func close(reason: String) {
        connection?.close(reason: reason)
    }
}
