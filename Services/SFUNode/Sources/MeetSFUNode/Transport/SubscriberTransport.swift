import Logging
import MeetRTC
import MeetRTCP
import MeetSFU
import Metrics
import NIOCore

/// A participant's downstream connection for one publisher: the node's
/// sendonly offer mirrors the publisher's tracks (offer section `i` carries
/// publisher track `i`), and each publisher track becomes a down-track in
/// the publisher's router once this connection is up: the SSRC announced in
/// our offer, the payload type the subscriber accepted for the same codec,
/// and the header extension ids of our offer.
///
/// Feedback from the subscriber: NACKs are answered from the router's
/// retransmission cache (renumbered into this subscriber's sequence space),
/// PLI/FIR go upstream through the track's keyframe-request throttle, and
/// receiver reports feed the down-track's statistics and the node's
/// aggregate metrics. Event loop only: the plane's loop
/// (``EventLoopConfined``). `Sendable` so control requests can carry it
/// into `loop.submit`; before that only ``attach(_:)`` runs off the loop,
/// while no other thread can reach the transport yet. Every other entry
/// point asserts the loop (debug builds).
final class SubscriberTransport: PeerConnectionDelegate, EventLoopConfined, @unchecked Sendable {
    /// Where one publisher track goes on this connection.
    struct Route {
        var ssrc: UInt32
        /// Codec name (lowercased) → the payload type the subscriber accepted.
        var payloadTypes: [String: UInt8]
        var extensionIDs: ExtensionIDTable?
    }

    let participantId: String
    weak var publisher: PublisherTransport?
    /// Set right after creation; nil once the connection ended.
    private(set) var connection: PeerConnection?
    private(set) var id = ""
    /// This transport's destination handle in the shared batch.
    private(set) var handle = -1
    /// Header extension ids of our offers: mid → (URI → id).
    private(set) var offeredExtensionIDs: [String: [String: UInt8]] = [:]
    /// Publisher track mid → route; empty until the answer is applied.
    private(set) var routes: [String: Route] = [:]
    private let plane: ForwardingPlane
    private let onEnd: (String, PeerConnectionState) -> Void
    private let logger: Logger

    init(
        participantId: String, publisher: PublisherTransport, plane: ForwardingPlane,
        logger: Logger, onEnd: @escaping (String, PeerConnectionState) -> Void
    ) {
        self.participantId = participantId
        self.publisher = publisher
        self.plane = plane
        self.onEnd = onEnd
        self.logger = logger
    }

    var eventLoop: any EventLoop { plane.eventLoop }

    /// Before the connection is routed (the transport is not shared yet): any thread.
    func attach(_ connection: PeerConnection) {
        self.connection = connection
        self.id = connection.id
    }

    /// Event loop: takes a batch handle (``ForwardingPlane/register(_:)``).
    func register() {
        assertOnOwningLoop()
        if handle < 0 { handle = plane.register(self) }
    }

    /// Publisher track mid → our offer's section mid, as last answered.
    private(set) var sections: [String: String] = [:]
    /// The mapping of the offer awaiting its answer.
    var pendingSections: [String: String]?

    /// The mids our pending offer adds to those offered before, in m-line order.
    func midsAddedByPendingOffer() -> [String] {
        assertOnOwningLoop()
        return (connection?.headerExtensionIDs.mids ?? []).filter { offeredExtensionIDs[$0] == nil }
    }

    /// Keeps the header extension ids of the offer we just made (sections
    /// offered before keep theirs unless the offer lists them again).
    func adoptOfferedExtensionIDs() {
        assertOnOwningLoop()
        offeredExtensionIDs.merge(connection?.headerExtensionIDs.byMid ?? [:]) { $1 }
    }

    /// The mapping of a first offer: section `i` carries publisher track `i`.
    static func initialSections(for publisherTracks: [RemoteTrack]) -> [String: String] {
        var sections: [String: String] = [:]
        for (index, track) in publisherTracks.enumerated() { sections[track.mid] = String(index) }
        return sections
    }

    /// Builds the routes once an answer is applied: routes that stay keep
    /// their down-tracks (and the subscriber's numbering), gone ones are
    /// removed, new ones get down-tracks once the connection is up.
    func installRoutes(publisherTracks: [RemoteTrack], publisherExtensionIDs: [String: [String: UInt8]]) {
        assertOnOwningLoop()
        guard let connection else { return }
        if let pendingSections {
            sections = pendingSections
            self.pendingSections = nil
        }
        var fresh: [String: Route] = [:]
        for track in publisherTracks {
            guard let mid = sections[track.mid],
                  let local = connection.localTracks.first(where: { $0.mid == mid }), local.kind == track.kind
            else { continue }
            var payloadTypes: [String: UInt8] = [:]
            for codec in connection.negotiatedSendCodecs(mid: mid) where payloadTypes[codec.name.lowercased()] == nil {
                payloadTypes[codec.name.lowercased()] = codec.payloadType
            }
            let table = ExtensionIDTable(
                publisher: publisherExtensionIDs[track.mid] ?? [:], subscriber: offeredExtensionIDs[mid] ?? [:])
            fresh[track.mid] = Route(ssrc: local.ssrc, payloadTypes: payloadTypes, extensionIDs: table)
        }
        let changed = Set(routes.keys).union(fresh.keys).filter { routes[$0]?.ssrc != fresh[$0]?.ssrc }
        routes = fresh
        guard let publisher, handle >= 0 else { return }
        let now = ContinuousClock.now
        for (ssrc, track) in publisher.routed where changed.contains(track.mid) {
            publisher.router.removeDownTrack(publisherSSRC: ssrc, subscriber: handle)
            addDownTrack(publisherSSRC: ssrc, now: now)
        }
    }

    /// Gives this subscriber a down-track for every track the publisher's router has.
    private func addDownTracks() {
        guard let publisher else { return }
        let now = ContinuousClock.now
        for ssrc in publisher.routed.keys { addDownTrack(publisherSSRC: ssrc, now: now) }
    }

    /// Adds the down-track for one routed publisher track (replacing one of
    /// an earlier codec); asks the publisher for a keyframe when the router says so.
    func addDownTrack(publisherSSRC: UInt32, now: ContinuousClock.Instant) {
        assertOnOwningLoop()
        guard handle >= 0, connection?.state == .connected, let publisher,
              let track = publisher.routed[publisherSSRC], let route = routes[track.mid],
              let payloadType = route.payloadTypes[track.codec.name.lowercased()]
        else { return }
        publisher.router.removeDownTrack(publisherSSRC: publisherSSRC, subscriber: handle)
        let added = publisher.router.addDownTrack(
            publisherSSRC: publisherSSRC, subscriber: handle, ssrc: route.ssrc,
            payloadType: payloadType == track.codec.payloadType ? nil : payloadType,
            extensionIDs: route.extensionIDs, now: now)
        if added.requestKeyframe { publisher.sendKeyframeRequest(publisherSSRC: publisherSSRC) }
    }

    func sendRTCP(_ packets: [RTCPPacket]) {
        assertOnOwningLoop()
        connection?.sendRTCP(packets)
    }

    // MARK: PeerConnectionDelegate

    func peerConnection(_ connection: PeerConnection, didChangeState state: PeerConnectionState) {
        assertOnOwningLoop()
        logger.info("subscriber state", metadata: ["transport": "\(id)", "state": "\(state)"])
        if state == .connected { addDownTracks() }
        if state.isTerminal {
            self.connection = nil
            onEnd(id, state)
        }
    }

    func peerConnection(_ connection: PeerConnection, didReceiveRTP packet: ByteBuffer, track: RemoteTrack) {}

    func peerConnection(_ connection: PeerConnection, didReceiveRTCP packet: ByteBuffer) {
        assertOnOwningLoop()
        guard let publisher, handle >= 0, let packets = try? RTCPPacket.parseCompound(packet) else { return }
        let router = publisher.router
        let now = ContinuousClock.now
        let metrics = ForwardingMetrics.shared
        for packet in packets {
            switch packet {
            case .nack(let nack):
                let requested = nack.pairs.reduce(0) { $0 + 1 + $1.lostBitmask.nonzeroBitCount }
                let plane = self.plane
                let sent = router.handleNACK(
                    subscriber: handle, mediaSSRC: nack.mediaSSRC, pairs: nack.pairs, into: plane.batch
                ) { plane.send($0) }
                plane.send(plane.batch)
                metrics.retransmissions.increment(by: Int64(sent))
                if requested > sent { metrics.retransmissionMisses.increment(by: Int64(requested - sent)) }
            case .pictureLossIndication(let pli):
                if let ssrc = router.handleKeyframeRequest(subscriber: handle, mediaSSRC: pli.mediaSSRC, now: now) {
                    publisher.sendKeyframeRequest(publisherSSRC: ssrc)
                } else {
                    metrics.keyframeRequestsThrottled.increment()
                }
            case .fullIntraRequest(let fir):
                for entry in fir.entries {
                    if let ssrc = router.handleKeyframeRequest(subscriber: handle, mediaSSRC: entry.ssrc, now: now) {
                        publisher.sendFullIntraRequest(publisherSSRC: ssrc)
                    } else {
                        metrics.keyframeRequestsThrottled.increment()
                    }
                }
            case .receiverReport(let report):
                receiverReportBlocks(report.reports, router: router, now: now)
            case .senderReport(let report):
                receiverReportBlocks(report.reports, router: router, now: now)
            default:
                break
            }
        }
    }

    private func receiverReportBlocks(_ blocks: [RTCPReportBlock], router: Router, now: ContinuousClock.Instant) {
        let metrics = ForwardingMetrics.shared
        for block in blocks {
            router.handleReceiverReport(subscriber: handle, block: block, now: now)
            metrics.subscriberFractionLost.record(Double(block.fractionLost) / 256)
            guard let statistics = downTrackStatistics(mediaSSRC: block.ssrc) else { continue }
            metrics.subscriberJitter.record(statistics.jitterSeconds)
            if let rtt = statistics.roundTripTime { metrics.subscriberRoundTrip.recordNanoseconds(rtt.nanosecondsValue) }
        }
    }

    private func downTrackStatistics(mediaSSRC: UInt32) -> SubscriberStatistics? {
        publisher?.router.downTracks(of: handle).first { $0.downTrack.ssrc == mediaSSRC }?.downTrack.statistics
    }

    // MARK: Teardown

    /// Removes the down-tracks and frees the batch handle; logs what the
    /// subscriber saw (loss, jitter, RTT from its receiver reports).
    func detach() {
        assertOnOwningLoop()
        guard handle >= 0 else { return }
        if let router = publisher?.router {
            for (ssrc, downTrack) in router.downTracks(of: handle) {
                let stats = downTrack.statistics
                logger.info("subscriber track statistics", metadata: [
                    "transport": "\(id)", "publisherSSRC": "\(ssrc)", "ssrc": "\(downTrack.ssrc)",
                    "packetsSent": "\(downTrack.packetsSent)", "retransmissions": "\(downTrack.retransmissions)",
                    "reports": "\(stats.reports)", "fractionLost": "\(stats.fractionLost)",
                    "cumulativeLost": "\(stats.cumulativeLost)", "jitterSeconds": "\(stats.jitterSeconds)",
                    "rtt": "\(stats.roundTripTime.map { "\($0)" } ?? "unknown")",
                ])
            }
            router.removeSubscriber(handle)
        }
        plane.unregister(handle: handle)
        handle = -1
    }

    func close(reason: String) {
        assertOnOwningLoop()
        connection?.close(reason: reason)
    }
}
