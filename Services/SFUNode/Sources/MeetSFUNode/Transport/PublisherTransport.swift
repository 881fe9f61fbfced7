import Logging
import MeetProtocol
import MeetRTC
import MeetRTCP
import MeetRTP
import MeetSFU
import Metrics
import NIOCore

/// A participant's upstream connection: its RTP goes through its own
/// MeetSFU ``Router`` (route by SSRC, statistics, upstream NACK log,
/// retransmission cache, per-subscriber munge) into the node's shared
/// ``ForwardingPlane`` batch, which hands each subscriber's packets to
/// MeetRTC's ``PeerEgress`` to be protected and sent.
///
/// A track enters the router on its first packet (its SSRC may be
/// unsignalled and learnt from the mid extension), with the codec its
/// payload type names; a packet of another negotiated codec re-registers it
/// (the publisher switched codecs). A simulcast section (#16: negotiated
/// RIDs) becomes a group track, which subscribers get, fed by one layer
/// track per RID (MeetSFU `TrackTable+Simulcast`); the group is registered with
/// its first layer. Event loop only, like every
/// `PeerConnection` callback: the plane's loop (``EventLoopConfined``).
/// `Sendable` so control requests can carry it into `loop.submit`; before
/// that only ``attach(_:)`` runs off the loop, while no other thread can
/// reach the transport yet. The callbacks, the tick and the control methods
/// assert the loop (debug builds; nothing per packet in release).
final class PublisherTransport: PeerConnectionDelegate, EventLoopConfined, @unchecked Sendable {
    /// A track in the router: which section it is and what it carries.
    struct RoutedTrack {
        var mid: String
        var codec: CodecModel
        /// A simulcast group or layer; nil for a single stream.
        var simulcast: TrackConfiguration.Simulcast? = nil

        var isSimulcastLayer: Bool {
            if case .layer? = simulcast { true } else { false }
        }
    }

    let participantId: String
    let roomId: String
    /// Up to 1 024 subscribers per track: a meeting of a thousand, every
    /// one of them on another node's connection, still hears each speaker.
    let router = Router(maximumSubscribersPerTrack: PublisherTransport.maximumSubscribersPerTrack)
    static let maximumSubscribersPerTrack = 1024
    /// Set right after creation; nil once the connection ended.
    private(set) var connection: PeerConnection?
    private(set) var id = ""
    /// Header extension ids negotiated per mid (from our answer): mid → (URI → id).
    var extensionIDs: [String: [String: UInt8]] = [:]
    /// What each section carries (mid → source), from the request or the defaults.
    var sources: [String: SFUTrackSource] = [:]
    /// Sources a host muted for this participant (kept by the manager, copied here).
    private(set) var mutedSources: Set<SFUTrackSource> = []
    /// Subscriber transports of this publisher, by transport id.
    var subscribers: [String: SubscriberTransport] = [:]
    /// Publisher SSRC → the track it carries, for every track in the router.
    /// Set only by the registration (`PublisherTransport+Registration`) and the control below.
    var routed: [UInt32: RoutedTrack] = [:]
    /// Sender SSRC of the feedback we originate (RFC 4585 §6.1 needs one; we send no media here).
    let feedbackSSRC = UInt32.random(in: 1...UInt32.max)
    private let plane: ForwardingPlane
    private let onEnd: (String, PeerConnectionState) -> Void
    let logger: Logger
    private var nackScratch: [UInt16] = []
    /// Packets dropped by a hard mute since the last tick (a plain count on
    /// the hot path; the metric is bumped on the timer).
    private var mutedDrops = 0
    /// The router's RTX counters when the tick last exported them.
    private var exportedRepairs = RepairCounters()
    /// RTX packets dropped since the last tick because their stream could
    /// not be paired with a routed media stream (``registerRepair(ssrc:codec:track:)``).
    var unpairedRepairs = 0
    /// When transport-wide feedback last went out.
    private var lastTransportFeedback: ContinuousClock.Instant?
    /// How often transport-wide feedback goes out while packets arrive:
    /// libwebrtc's receivers send every 50–250 ms; the sender's estimate
    /// reacts within a feedback interval, so the short end.
    static let transportFeedbackInterval = Duration.milliseconds(50)
    /// The receive-side estimate sent as REMB; nil unless the publisher
    /// negotiated `goog-remb` and gets no transport-wide feedback.
    private(set) var receiverEstimator: ReceiveSideEstimator?
    /// When simulcast subscribers' layers are next re-chosen (`tick`).
    private var nextLayerRetarget: ContinuousClock.Instant?
    static let layerRetargetInterval = Duration.milliseconds(200)
    /// Set by every RTP packet and by whatever else gives the tick work
    /// here (``noteWork()``); the tick clears it into `lastWork`. A plain
    /// store on the packet path.
    private var poked = true
    /// The last tick that found `poked`.
    private var lastWork: ContinuousClock.Instant?
    /// How long after its last arrival the tick keeps visiting a publisher
    /// every 20 ms: past its last transport-wide feedback (50 ms), layer
    /// retarget (200 ms) and NACK retries (5 × 100 ms, at most 1 s).
    static let workLinger = Duration.seconds(1)

    init(
        participantId: String, roomId: String, plane: ForwardingPlane, mutedSources: Set<SFUTrackSource>,
        logger: Logger, onEnd: @escaping (String, PeerConnectionState) -> Void
    ) {
        self.participantId = participantId
        self.roomId = roomId
        self.plane = plane
        self.mutedSources = mutedSources
        self.onEnd = onEnd
        self.logger = logger
        nackScratch.reserveCapacity(256)
    }

    var eventLoop: any EventLoop { plane.eventLoop }

    /// Before the connection is routed (the transport is not shared yet): any thread.
    func attach(_ connection: PeerConnection) {
        self.connection = connection
        self.id = connection.id
    }

    /// Keeps the header extension ids of our latest answer (sections a
    /// renegotiation removed keep theirs), and starts logging arrivals for
    /// transport-wide feedback, and reading audio levels (active speakers),
    /// when the publisher negotiated them.
    func adoptNegotiatedExtensionIDs() {
        assertOnOwningLoop()
        extensionIDs.merge(connection?.headerExtensionIDs.byMid ?? [:]) { $1 }
        if let id = extensionIDs.values.lazy.compactMap({ $0[MediaPolicy.transportCCURI] }).first {
            router.enableTransportWideFeedback(extensionID: id, now: .now)
        }
        if let id = extensionIDs.values.lazy.compactMap({ $0[MediaPolicy.audioLevelURI] }).first {
            router.enableAudioLevels(extensionID: id)
        }
    }

    /// Starts the REMB estimate (after `adoptNegotiatedExtensionIDs`) when the
    /// publisher negotiated `goog-remb` and no transport-wide feedback: a
    /// sender with transport-cc runs its own estimator on our feedback, and
    /// a REMB would only cap it.
    func startReceiverEstimateIfNegotiated() {
        assertOnOwningLoop()
        guard !router.isTransportWideFeedbackEnabled,
              remoteTracks.contains(where: { $0.codecs.contains { $0.feedback.contains("goog-remb") } })
        else { return }
        receiverEstimator = ReceiveSideEstimator()
    }

    /// The publisher's negotiated tracks (what a subscriber offer mirrors).
    var remoteTracks: [RemoteTrack] { connection?.remoteTracks ?? [] }

    func source(ofMid mid: String) -> SFUTrackSource? { sources[mid] }

    func isMuted(mid: String) -> Bool { sources[mid].map(mutedSources.contains) ?? false }

    // MARK: Media

    func peerConnection(_ connection: PeerConnection, didReceiveRTP packet: ByteBuffer, track: RemoteTrack) {
        assertOnOwningLoop()
        poked = true
        plane.activity.wakeIfIdle()
        plane.counters.packetsIn &+= 1
        plane.counters.bytesIn &+= packet.readableBytes
        var result = route(packet)
        if result.drop == .unknownSSRC || result.drop == .otherPayloadType {
            guard register(packet, track: track) else { return }
            result = route(packet)
        }
        if result.drop == .muted { mutedDrops &+= 1 }
        if result.syncKeyframeRequests > 0 {
            ForwardingMetrics.shared.syncKeyframeRequests.increment(by: Int64(result.syncKeyframeRequests))
        }
        if result.layerSwitches > 0 {
            ForwardingMetrics.shared.layerSwitches.increment(by: Int64(result.layerSwitches))
            ForwardingMetrics.shared.alignedLayerSwitches.increment(by: Int64(result.alignedLayerSwitches))
        }
        if result.requestKeyframe { sendKeyframeRequest(publisherSSRC: result.publisherSSRC) }
    }

    /// One packet through the router into the shared batch, sent at once.
    private func route(_ packet: ByteBuffer) -> Router.RouteResult {
        let plane = self.plane
        let router = self.router
        let result = packet.withUnsafeReadableBytes { bytes in
            router.routeRTP(bytes, now: .now, into: plane.batch) { plane.send($0) }
        }
        plane.send(plane.batch)
        return result
    }

    /// Relays the publisher's sender reports to each subscriber, translated
    /// to the subscriber's SSRC and timestamp offset (A/V sync).
    func peerConnection(_ connection: PeerConnection, didReceiveRTCP packet: ByteBuffer) {
        assertOnOwningLoop()
        guard let packets = try? RTCPPacket.parseCompound(packet) else { return }
        let now = ContinuousClock.now
        for case .senderReport(let report) in packets {
            router.handleSenderReport(report, now: now) { handle, translated in
                plane.subscriber(handle)?.sendRTCP([.senderReport(translated)])
            }
        }
    }

    // MARK: Feedback we send upstream

    /// PLI (RFC 4585 §6.3.1) for one of our tracks (a simulcast group's: for
    /// the layer `subscriber` gets, or for each layer when none is named).
    func sendKeyframeRequest(publisherSSRC: UInt32, subscriber: Int? = nil) {
        let ssrcs = router.keyframeRequestSSRCs(for: publisherSSRC, subscriber: subscriber)
        guard !ssrcs.isEmpty else { return }
        ForwardingMetrics.shared.keyframeRequests.increment()
        sendRTCP(ssrcs.map { .pictureLossIndication(RTCPPictureLossIndication(senderSSRC: feedbackSSRC, mediaSSRC: $0)) })
    }

    /// FIR (RFC 5104 §4.3.1) for one of our tracks (a simulcast group's: as
    /// `sendKeyframeRequest`), with the throttle's command number.
    func sendFullIntraRequest(publisherSSRC: UInt32, subscriber: Int? = nil) {
        let ssrcs = router.keyframeRequestSSRCs(for: publisherSSRC, subscriber: subscriber)
        guard !ssrcs.isEmpty else { return }
        ForwardingMetrics.shared.keyframeRequests.increment()
        let number = router.track(ssrc: publisherSSRC)?.keyframeThrottle.firSequenceNumber ?? 0
        sendRTCP([.fullIntraRequest(RTCPFullIntraRequest(
            senderSSRC: feedbackSSRC, entries: ssrcs.map { .init(ssrc: $0, sequenceNumber: number) }))])
    }

    /// Something other than an RTP packet gave the tick work here (a
    /// subscriber's keyframe request, a new down-track, a mute, a resume):
    /// the tick visits this publisher every 20 ms for another second, and
    /// an idle worker's timer wakes.
    func noteWork() {
        poked = true
        plane.activity.noteWork()
    }

    /// Whether the tick has work here within the next second: packets
    /// arrived (or ``noteWork()``) within ``workLinger``, or a missing
    /// packet still to NACK or a held keyframe request waits.
    private func hasWork(now: ContinuousClock.Instant) -> Bool {
        if poked {
            poked = false
            lastWork = now
            return true
        }
        if let lastWork, now - lastWork < Self.workLinger { return true }
        return router.hasPendingUpstreamFeedback
    }

    /// The RTCP timer: NACKs for our own ingress loss and keyframe requests
    /// the throttle released, transport-wide feedback every
    /// `transportFeedbackInterval`, REMB about once a second (when
    /// negotiated, see `startReceiverEstimateIfNegotiated`); with
    /// `reports`, receiver reports too (RFC 3550 §6.4.2). A publisher with
    /// no work (``hasWork(now:)``) is visited on report ticks only: nothing
    /// else here can be due without an arrival or a pending request.
    /// Returns whether it has work (the worker's timer keeps its 20 ms pace).
    @discardableResult
    func tick(now: ContinuousClock.Instant, reports: Bool) -> Bool {
        assertOnOwningLoop()
        guard connection != nil else { return false }
        let busy = hasWork(now: now)
        guard busy || reports else { return false }
        if mutedDrops > 0 {
            ForwardingMetrics.shared.mutedPackets.increment(by: Int64(mutedDrops))
            mutedDrops = 0
        }
        exportRepairCounters()
        router.collectUpstreamFeedback(
            now: now, scratch: &nackScratch,
            nack: { ssrc, lost in
                ForwardingMetrics.shared.upstreamNACKs.increment()
                sendRTCP([.nack(RTCPGenericNACK(senderSSRC: feedbackSSRC, mediaSSRC: ssrc, lost: lost))])
            },
            keyframeRequest: { sendKeyframeRequest(publisherSSRC: $0) })
        if nextLayerRetarget.map({ now >= $0 }) ?? true {
            nextLayerRetarget = now + Self.layerRetargetInterval
            router.retargetLayers(now: now)
        }
        if router.isTransportWideFeedbackEnabled,
            lastTransportFeedback.map({ now - $0 >= Self.transportFeedbackInterval }) ?? true,
            let feedback = router.makeTransportWideFeedback(senderSSRC: feedbackSSRC)
        {
            lastTransportFeedback = now
            ForwardingMetrics.shared.transportFeedback.increment()
            sendRTCP([.transportWideFeedback(feedback)])
        }
        // Totals walk every track: gather them only when the estimator takes them (~1 s).
        if receiverEstimator?.isDue(now: now) == true, !routed.isEmpty,
            let bitrate = receiverEstimator?.update(router.receiveTotals, now: now)
        {
            ForwardingMetrics.shared.remb.increment()
            sendRTCP([.receiverEstimatedMaxBitrate(RTCPReceiverEstimatedMaxBitrate(
                senderSSRC: feedbackSSRC, bitrate: bitrate,
                ssrcs: routed.filter { $0.value.simulcast != .group }.keys.sorted()))])
        }
        if reports, router.trackCount > 0 {
            let blocks = router.makeReportBlocks(now: now).prefix(31)
            sendRTCP([.receiverReport(RTCPReceiverReport(ssrc: feedbackSSRC, reports: Array(blocks)))])
        }
        return busy
    }

    /// Bumps `meet_sfu_upstream_rtx_packets_total` by what the router's RTX
    /// counters gained since the last tick, and by the unpaired RTX packets.
    private func exportRepairCounters() {
        let metrics = ForwardingMetrics.shared
        if unpairedRepairs > 0 {
            metrics.upstreamUnpairedRepairs.increment(by: Int64(unpairedRepairs))
            unpairedRepairs = 0
        }
        let counters = router.repairCounters
        guard counters != exportedRepairs else { return }
        if counters.repaired > exportedRepairs.repaired {
            metrics.upstreamRepaired.increment(by: Int64(counters.repaired - exportedRepairs.repaired))
        }
        if counters.duplicates > exportedRepairs.duplicates {
            metrics.upstreamRepairDuplicates.increment(by: Int64(counters.duplicates - exportedRepairs.duplicates))
        }
        if counters.padding > exportedRepairs.padding {
            metrics.upstreamRepairPadding.increment(by: Int64(counters.padding - exportedRepairs.padding))
        }
        if counters.unrepairable > exportedRepairs.unrepairable {
            metrics.upstreamUnrepairable.increment(by: Int64(counters.unrepairable - exportedRepairs.unrepairable))
        }
        exportedRepairs = counters
    }

    func sendRTCP(_ packets: [RTCPPacket]) {
        connection?.sendRTCP(packets)
    }

    // MARK: Control

    /// Applies a host's mute (or its lifting) of `source`; returns how many
    /// of this transport's tracks carry that source.
    func setMuted(_ muted: Bool, source: SFUTrackSource) -> Int {
        assertOnOwningLoop()
        if muted { mutedSources.insert(source) } else { mutedSources.remove(source) }
        noteWork()
        let now = ContinuousClock.now
        for (ssrc, track) in routed where sources[track.mid] == source {
            if router.setMuted(muted, publisherSSRC: ssrc, now: now) { sendKeyframeRequest(publisherSSRC: ssrc) }
        }
        return remoteTracks.filter { sources[$0.mid] == source }.count
    }

    /// Re-applies the mute state to every routed track (after sources changed).
    func reapplyMutes() {
        assertOnOwningLoop()
        noteWork()
        let now = ContinuousClock.now
        for (ssrc, track) in routed where router.isMuted(publisherSSRC: ssrc) != isMuted(mid: track.mid) {
            if router.setMuted(isMuted(mid: track.mid), publisherSSRC: ssrc, now: now) { sendKeyframeRequest(publisherSSRC: ssrc) }
        }
    }

    /// A renegotiation removed sections: their tracks leave the router (and
    /// every subscriber's down-track for them). New ones are routed on their first packet.
    func peerConnection(_ connection: PeerConnection, didChangeRemoteTracks tracks: [RemoteTrack]) {
        assertOnOwningLoop()
        let mids = Set(tracks.map(\.mid))
        for (ssrc, track) in routed where !mids.contains(track.mid) {
            router.removeTrack(ssrc: ssrc)
            routed[ssrc] = nil
        }
        sources = sources.filter { mids.contains($0.key) }
    }

    func peerConnection(_ connection: PeerConnection, didChangeState state: PeerConnectionState) {
        assertOnOwningLoop()
        logger.info("publisher state", metadata: ["transport": "\(id)", "state": "\(state)"])
        if state.isTerminal {
            self.connection = nil
            onEnd(id, state)
        }
    }

    /// Closes the connection (its state change removes it from the manager).
    func close(reason: String) {
        assertOnOwningLoop()
        connection?.close(reason: reason)
    }
}
