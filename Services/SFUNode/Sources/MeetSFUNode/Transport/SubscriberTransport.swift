import Logging
import MeetRTC
import MeetRTCP
import MeetSFU
import Metrics
import NIOCore

/// A participant's downstream connection on this node, in one of two
/// shapes: **per publisher** (the first shape: the node's sendonly offer
/// mirrors one publisher's tracks and the transport closes with it) or
/// **per node** (``perNode``: one connection carries the tracks of every
/// publisher the participant watches here, added and removed by re-offers
/// that reuse idle m-lines, ``SubscriberSectionPlan``). Each carried
/// publisher track becomes a down-track in that publisher's router once
/// this connection is up: the SSRC announced in our offer, the payload type
/// the subscriber accepted for the same codec, and the header extension ids
/// of our offer.
///
/// Feedback from the subscriber goes to the router of the publisher whose
/// down-track has the reported SSRC: NACKs are answered from its
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
        /// RTX (RFC 4588), when our offer paired an RTX SSRC with the track's
        /// and the answer took RTX: media payload type → its RTX payload type.
        var rtxSSRC: UInt32? = nil
        var rtxPayloadTypes: [UInt8: UInt8] = [:]

        /// The RTX stream for a down-track sending `payloadType`, if negotiated.
        func rtx(for payloadType: UInt8) -> RTXStream? {
            guard let rtxSSRC, let rtx = rtxPayloadTypes[payloadType] else { return nil }
            return RTXStream(ssrc: rtxSSRC, payloadType: rtx)
        }
    }

    /// A carried publisher, held weakly (the publisher holds its
    /// subscribers; the registry closes or detaches both sides).
    private struct Carried {
        let id: String
        weak var transport: PublisherTransport?
    }

    let participantId: String
    /// The room of the publisher it was made for (a node connection only
    /// ever carries that room's publishers): keeps the room's worker placed
    /// while the connection lives, even with no publisher left.
    let roomId: String
    /// One connection for every publisher on the node (renegotiated as they
    /// come and go) rather than one per publisher.
    let perNode: Bool
    /// Publishers carried, in the order they were added (the order new
    /// tracks get sections).
    private var carried: [Carried]
    /// Set right after creation; nil once the connection ended.
    private(set) var connection: PeerConnection?
    private(set) var id = ""
    /// This transport's destination handle in the shared batch.
    private(set) var handle = -1
    /// Header extension ids of our offers: mid → (URI → id).
    private(set) var offeredExtensionIDs: [String: [String: UInt8]] = [:]
    /// Carried track → route; empty until the answer is applied.
    private(set) var routes: [SubscribedTrack: Route] = [:]
    /// Last-N: which carried videos forward (``applyVideoSelection(_:)``).
    var videoSelection = VideoSelection<SubscribedTrack, VideoOwner>()
    /// A node connection's audio slots (none: each publisher's audio has a section).
    private(set) var audioSlots = NodeAudioSlots()
    let plane: ForwardingPlane
    private let onEnd: (String, PeerConnectionState) -> Void
    let logger: Logger
    /// The estimate toward this subscriber and its allocation (`SubscriberTransport+Bandwidth`).
    var bandwidth = SubscriberBandwidth()

    init(
        participantId: String, publisher: PublisherTransport, perNode: Bool = false, plane: ForwardingPlane,
        logger: Logger, onEnd: @escaping (String, PeerConnectionState) -> Void
    ) {
        self.participantId = participantId
        self.roomId = publisher.roomId
        self.perNode = perNode
        self.carried = [Carried(id: publisher.id, transport: publisher)]
        self.plane = plane
        self.onEnd = onEnd
        self.logger = logger
    }

    /// The publishers carried that are still alive, in the order added.
    var publishers: [PublisherTransport] { carried.compactMap(\.transport) }

    /// The one publisher of a per-publisher transport (the first carried of a node connection).
    var publisher: PublisherTransport? { carried.first?.transport }

    func carries(_ publisher: PublisherTransport) -> Bool {
        carried.contains { $0.transport === publisher }
    }

    /// Adds a publisher to a node connection (its tracks get sections at the next offer).
    func carry(_ publisher: PublisherTransport) {
        assertOnOwningLoop()
        guard !carries(publisher) else { return }
        carried.append(Carried(id: publisher.id, transport: publisher))
        plane.activity.noteWork()
    }

    /// Stops carrying a publisher: its down-tracks go now (nothing more is
    /// forwarded); its sections go idle at the next offer. True if it was carried.
    @discardableResult
    func drop(_ publisher: PublisherTransport) -> Bool {
        assertOnOwningLoop()
        guard let index = carried.firstIndex(where: { $0.transport === publisher }) else { return false }
        carried.remove(at: index)
        // Dynacast and the allocator see a viewer fewer.
        plane.activity.noteWork()
        // Its slots go to the next speakers first, so their streams go on.
        audioSlots.round(levels: nil, handle: isConnected ? handle : -1, publishers: publishers, departing: publisher, now: .now)
        if handle >= 0 {
            for ssrc in publisher.routed.keys { publisher.router.removeDownTrack(publisherSSRC: ssrc, subscriber: handle) }
        }
        for track in routes.keys where track.publisher == publisher.id {
            routes.removeValue(forKey: track)
            videoSelection.trackRemoved(track)
        }
        publisher.subscribers.removeValue(forKey: id)
        return true
    }

    /// The tracks this connection should carry now, in section order for new
    /// ones: with audio slots, the slot sections first and no publisher's audio.
    var wantedTracks: [(track: SubscribedTrack, kind: MeetRTC.MediaKind)] {
        let slotted = audioSlots.count > 0
        return audioSlots.wantedSections + publishers.flatMap { publisher in
            publisher.remoteTracks.filter { !slotted || $0.kind != .audio }
                .map { (SubscribedTrack(publisher: publisher.id, mid: $0.mid), $0.kind) }
        }
    }

    /// Asks for `slots` audio slots (0: a section per publisher's audio);
    /// the sections change at the next re-offer.
    func setAudioSlots(_ slots: Int) {
        assertOnOwningLoop()
        audioSlots.resize(to: slots, handle: handle, publishers: publishers)
    }

    /// The node's active-speaker round (`levels` by track): the slots follow the loudest.
    func roundAudioSlots(levels: [SubscribedTrack: Int], now: ContinuousClock.Instant) {
        assertOnOwningLoop()
        audioSlots.round(levels: levels, handle: isConnected ? handle : -1, publishers: publishers, now: now)
    }

    private var isConnected: Bool { connection?.state == .connected }

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

    /// Carried track → our offer's section mid, as last answered.
    private(set) var sections: [SubscribedTrack: String] = [:]
    /// The mapping of the offer awaiting its answer.
    var pendingSections: [SubscribedTrack: String]?
    /// Idle (`a=inactive`) sections of a node connection, mid → kind, as last answered.
    private(set) var idleSections: [String: MeetRTC.MediaKind] = [:]
    /// The idle sections of the offer awaiting its answer.
    var pendingIdleSections: [String: MeetRTC.MediaKind]?

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

    /// The mapping of a first offer: section `i` carries track `i`.
    static func initialSections(for tracks: [SubscribedTrack]) -> [SubscribedTrack: String] {
        var sections: [SubscribedTrack: String] = [:]
        for (index, track) in tracks.enumerated() { sections[track] = String(index) }
        return sections
    }

    /// The kind of each section that carries a track now, by mid.
    var sectionKinds: [String: MeetRTC.MediaKind] {
        var kinds: [String: MeetRTC.MediaKind] = [:]
        for track in connection?.localTracks ?? [] { kinds[track.mid] = track.kind }
        return kinds
    }

    /// Builds the routes once an answer is applied: routes that stay keep
    /// their down-tracks (and the subscriber's numbering), gone ones are
    /// removed, new ones get down-tracks once the connection is up.
    func installRoutes() {
        assertOnOwningLoop()
        guard let connection else { return }
        if let pendingSections {
            sections = pendingSections
            self.pendingSections = nil
        }
        if let pendingIdleSections {
            idleSections = pendingIdleSections
            self.pendingIdleSections = nil
        }
        for publisher in publishers { publisher.subscribers[id] = self }
        var fresh: [SubscribedTrack: Route] = [:]
        for publisher in publishers {
            for track in publisher.remoteTracks {
                let key = SubscribedTrack(publisher: publisher.id, mid: track.mid)
                guard let mid = sections[key],
                      let local = connection.localTracks.first(where: { $0.mid == mid }), local.kind == track.kind
                else { continue }
                var payloadTypes: [String: UInt8] = [:]
                for codec in connection.negotiatedSendCodecs(mid: mid) where payloadTypes[codec.name.lowercased()] == nil {
                    payloadTypes[codec.name.lowercased()] = codec.payloadType
                }
                let table = ExtensionIDTable(
                    publisher: publisher.extensionIDs[track.mid] ?? [:], subscriber: offeredExtensionIDs[mid] ?? [:])
                fresh[key] = Route(
                    ssrc: local.ssrc, payloadTypes: payloadTypes, extensionIDs: table, rtxSSRC: local.rtxSSRC,
                    rtxPayloadTypes: Self.rtxPayloadTypes(connection.negotiatedSendCodecs(mid: mid)))
            }
        }
        enableTransportWideNumbering()
        let changed = Set(routes.keys).union(fresh.keys).filter { routes[$0]?.ssrc != fresh[$0]?.ssrc }
        for gone in routes.keys where fresh[gone] == nil { videoSelection.trackRemoved(gone) }
        routes = fresh
        audioSlots.installRoutes(
            sections: sections, connection: connection, offered: offeredExtensionIDs, handle: handle, publishers: publishers)
        defer { audioSlots.round(levels: nil, handle: isConnected ? handle : -1, publishers: publishers, now: .now) }
        guard handle >= 0 else { return }
        let now = ContinuousClock.now
        for publisher in publishers {
            for (ssrc, track) in publisher.routed where changed.contains(SubscribedTrack(publisher: publisher.id, mid: track.mid)) {
                publisher.router.removeDownTrack(publisherSSRC: ssrc, subscriber: handle)
                addDownTrack(from: publisher, publisherSSRC: ssrc, now: now)
            }
        }
    }

    /// Gives this subscriber a down-track for every track its publishers' routers have.
    private func addDownTracks() {
        let now = ContinuousClock.now
        for publisher in publishers {
            for ssrc in publisher.routed.keys { addDownTrack(from: publisher, publisherSSRC: ssrc, now: now) }
        }
    }

    /// Adds the down-track for one routed publisher track (replacing one of
    /// an earlier codec); asks the publisher for a keyframe when the router says so.
    func addDownTrack(from publisher: PublisherTransport, publisherSSRC: UInt32, now: ContinuousClock.Instant) {
        assertOnOwningLoop()
        // A simulcast layer reaches subscribers through its group's down-track.
        guard handle >= 0, connection?.state == .connected, let track = publisher.routed[publisherSSRC],
              !track.isSimulcastLayer,
              let route = routes[SubscribedTrack(publisher: publisher.id, mid: track.mid)],
              let payloadType = route.payloadTypes[track.codec.name.lowercased()]
        else { return }
        publisher.router.removeDownTrack(publisherSSRC: publisherSSRC, subscriber: handle)
        let added = publisher.router.addDownTrack(
            publisherSSRC: publisherSSRC, subscriber: handle, ssrc: route.ssrc,
            payloadType: payloadType == track.codec.payloadType ? nil : payloadType,
            extensionIDs: route.extensionIDs, paused: startsPaused(publisher, mid: track.mid), now: now)
        if !added.added {
            logger.warning("down-track refused: the track has its most subscribers", metadata: [
                "transport": "\(id)", "publisher": "\(publisher.id)", "mid": "\(track.mid)",
                "limit": "\(PublisherTransport.maximumSubscribersPerTrack)",
            ])
        }
        if added.added {
            publisher.router.setRTX(
                route.rtx(for: payloadType), publisherSSRC: publisherSSRC, subscriber: handle)
        }
        if track.simulcast == .group { constrainLayer(of: publisher, group: publisherSSRC, mid: track.mid, now: now) }
        if added.requestKeyframe { publisher.sendKeyframeRequest(publisherSSRC: publisherSSRC) }
        // Its first keyframe may wait for the throttle; dynacast and the allocator see a new viewer.
        publisher.noteWork()
    }

    /// Media payload type → RTX payload type among the codecs the answer
    /// took (RFC 4588 §8.6: an `rtx` codec's `apt` names the media's).
    static func rtxPayloadTypes(_ codecs: [CodecModel]) -> [UInt8: UInt8] {
        var map: [UInt8: UInt8] = [:]
        for codec in codecs where codec.name.lowercased() == "rtx" {
            if let apt = MediaPolicy.associatedPayloadType(of: codec), codecs.contains(where: { $0.payloadType == apt && $0.name.lowercased() != "rtx" }), map[apt] == nil {
                map[apt] = codec.payloadType
            }
        }
        return map
    }

    /// The carried publisher whose down-track to this subscriber sends `ssrc` (for its feedback).
    private func publisher(sending ssrc: UInt32) -> PublisherTransport? {
        for entry in carried {
            if let publisher = entry.transport, publisher.router.carries(subscriber: handle, ssrc: ssrc) { return publisher }
        }
        return nil
    }

    func sendRTCP(_ packets: [RTCPPacket]) {
        assertOnOwningLoop()
        connection?.sendRTCP(packets)
    }

    // MARK: PeerConnectionDelegate

    func peerConnection(_ connection: PeerConnection, didChangeState state: PeerConnectionState) {
        assertOnOwningLoop()
        logger.info("subscriber state", metadata: ["transport": "\(id)", "state": "\(state)"])
        if state == .connected {
            enableTransportWideNumbering()
            addDownTracks()
            audioSlots.round(levels: nil, handle: handle, publishers: publishers, now: .now)
        }
        if state.isTerminal {
            self.connection = nil
            onEnd(id, state)
        }
    }

    func peerConnection(_ connection: PeerConnection, didReceiveRTP packet: ByteBuffer, track: RemoteTrack) {}

    func peerConnection(_ connection: PeerConnection, didReceiveRTCP packet: ByteBuffer) {
        assertOnOwningLoop()
        guard handle >= 0, let packets = try? RTCPPacket.parseCompound(packet) else { return }
        let now = ContinuousClock.now
        let metrics = ForwardingMetrics.shared
        for packet in packets {
            // Feedback that makes work for the worker's timer wakes it
            // (docs/dev/sfu-idle.md); receiver and sender reports do not.
            switch packet {
            case .nack, .transportWideFeedback, .receiverEstimatedMaxBitrate: plane.activity.noteWork()
            default: break
            }
            switch packet {
            case .nack(let nack):
                guard let publisher = publisher(sending: nack.mediaSSRC) else { continue }
                let requested = nack.pairs.reduce(0) { $0 + 1 + $1.lostBitmask.nonzeroBitCount }
                let plane = self.plane
                let refusedBefore = publisher.router.refusedRetransmissions
                let sent = publisher.router.handleNACK(
                    subscriber: handle, mediaSSRC: nack.mediaSSRC, pairs: nack.pairs, into: plane.batch
                ) { plane.send($0) }
                plane.send(plane.batch)
                metrics.retransmissions.increment(by: Int64(sent))
                if requested > sent { metrics.retransmissionMisses.increment(by: Int64(requested - sent)) }
                let refused = publisher.router.refusedRetransmissions - refusedBefore
                if refused > 0 { metrics.retransmissionRefusals.increment(by: Int64(refused)) }
            case .pictureLossIndication(let pli):
                keyframeRequest(mediaSSRC: pli.mediaSSRC, full: false, now: now)
            case .fullIntraRequest(let fir):
                for entry in fir.entries { keyframeRequest(mediaSSRC: entry.ssrc, full: true, now: now) }
            case .receiverReport(let report):
                receiverReportBlocks(report.reports, now: now)
            case .senderReport(let report):
                receiverReportBlocks(report.reports, now: now)
            case .transportWideFeedback(let feedback):
                transportWideFeedback(feedback, now: now)
            case .receiverEstimatedMaxBitrate(let remb):
                receiverEstimate(remb, now: now)
            default:
                break
            }
        }
    }

    /// PLI (`full` false) or FIR upstream, through the track's throttle.
    private func keyframeRequest(mediaSSRC: UInt32, full: Bool, now: ContinuousClock.Instant) {
        guard let publisher = publisher(sending: mediaSSRC) else { return }
        // A request the throttle holds back is released on the publisher's tick.
        publisher.noteWork()
        guard let ssrc = publisher.router.handleKeyframeRequest(subscriber: handle, mediaSSRC: mediaSSRC, now: now) else {
            ForwardingMetrics.shared.keyframeRequestsThrottled.increment()
            return
        }
        if full {
            publisher.sendFullIntraRequest(publisherSSRC: ssrc, subscriber: handle)
        } else {
            publisher.sendKeyframeRequest(publisherSSRC: ssrc, subscriber: handle)
        }
    }

    private func receiverReportBlocks(_ blocks: [RTCPReportBlock], now: ContinuousClock.Instant) {
        let metrics = ForwardingMetrics.shared
        for block in blocks {
            guard let router = publisher(sending: block.ssrc)?.router else { continue }
            router.handleReceiverReport(subscriber: handle, block: block, now: now)
            metrics.subscriberFractionLost.record(Double(block.fractionLost) / 256)
            guard let statistics = router.downTracks(of: handle).first(where: { $0.downTrack.ssrc == block.ssrc })?
                .downTrack.statistics
            else { continue }
            metrics.subscriberJitter.record(statistics.jitterSeconds)
            if let rtt = statistics.roundTripTime { metrics.subscriberRoundTrip.recordNanoseconds(rtt.nanosecondsValue) }
        }
    }

    // MARK: Teardown

    /// Removes the down-tracks and frees the batch handle; logs what the
    /// subscriber saw (loss, jitter, RTT from its receiver reports).
    func detach() {
        assertOnOwningLoop()
        guard handle >= 0 else { return }
        for publisher in publishers {
            let router = publisher.router
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
        audioSlots.reset()
        plane.unregister(handle: handle)
        handle = -1
    }

    func close(reason: String) {
        assertOnOwningLoop()
        connection?.close(reason: reason)
    }
}
