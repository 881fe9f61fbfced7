import MeetRTP

/// The media path of one publisher transport: the per-packet path
/// `routeRTP` (route → munge per subscriber → into the outgoing batch) and
/// the RTCP feedback beside it (`Router+Feedback`), over its forwarding
/// table (`TrackTable`: published tracks by SSRC, each with the down-tracks
/// of its subscribers), whose control operations it exposes to the node
/// (`Router+Tracks`).
///
/// Threading: the node gives every publisher transport a router of its own
/// (`PublisherTransport.router`), driven only from the event loop of the
/// node's media socket, where that publisher's connection and those of all
/// its subscribers live (no locks, no actors); the subscriber handles are
/// the node's egress handles, shared by every router of the node. With one
/// subscriber transport per publisher (the redirect design) a router never
/// needs another transport's state, so no packet ever crosses threads.
///
/// Allocation: the per-packet path allocates nothing in steady state. The
/// SSRC lookup is a dictionary read; tracks and down-tracks live in
/// contiguous arrays reserved up front and mutated in place; munging and
/// statistics are integer arithmetic on stored values; the packet is copied
/// into the preallocated `PacketBatch` (and `RetransmissionCache`) and the
/// header rewritten there. Control operations (add/remove/mute) may allocate.
public final class Router {
    /// The outcome of routing one packet (`RouteResult.swift`).
    public typealias RouteResult = MeetSFU.RouteResult
    public typealias Drop = RouteResult.Drop

    public internal(set) var counters = TrafficCounters()
    /// Subscriber NACKs for a VP8 packet in the cache that the node never
    /// sent and whose picture ID or TL0PICIDX it cannot tell (``handleNACK(subscriber:mediaSSRC:pairs:into:flush:)``):
    /// refused rather than sent with wrong values. Cumulative; the node
    /// exports it as `meet_sfu_retransmission_refusals_total`.
    public internal(set) var refusedRetransmissions = 0
    /// Tracks, down-tracks and feedback routes (control in `TrackTable`,
    /// exposed in `Router+Tracks`); `routeRTP` mutates it in place.
    var table: TrackTable
    /// Arrivals for transport-wide feedback (`TransportWideArrivals`).
    var transportWide = TransportWideArrivals()
    /// The publisher's audio-level extension id (`Router+AudioLevel`); 0 = off.
    var audioLevelExtensionID: UInt8 = 0
    /// The publisher's RTX streams by RTX SSRC (`Router+Repair`).
    var repairs: [UInt32: RepairStream] = [:]
    /// What the publisher's RTX streams brought (cumulative; `Router+Repair`).
    public internal(set) var repairCounters = RepairCounters()
    /// Where an RTX packet's original is rebuilt before it is routed (`Router+Repair`).
    var repairScratch = [UInt8](repeating: 0, count: Router.repairScratchSize)

    public init(maximumSubscribersPerTrack: Int = 128) {
        table = TrackTable(maximumSubscribersPerTrack: maximumSubscribersPerTrack)
    }

    public var maximumSubscribersPerTrack: Int { table.maximumSubscribersPerTrack }

    // MARK: Per packet

    /// Routes one decrypted RTP packet from a publisher: updates the track's
    /// statistics, NACK log and retransmission cache, then writes a munged
    /// copy for every down-track into `batch`. When the batch fills, `flush`
    /// is called (protect and send it; the router resets it afterwards).
    public func routeRTP(
        _ packet: UnsafeRawBufferPointer, now: ContinuousClock.Instant,
        into batch: PacketBatch, flush: (PacketBatch) -> Void
    ) -> RouteResult {
        guard let header = try? RTPHeader(parsing: packet) else {
            var result = RouteResult()
            result.drop = .malformed
            return result
        }
        counters.packetsIn += 1
        counters.bytesIn += packet.count
        transportWide.record(packet, header: header, now: now)
        return forward(packet, header: header, repaired: false, now: now, into: batch, flush: flush)
    }

    /// ``routeRTP(_:now:into:flush:)`` after the packet was parsed, counted
    /// and logged for transport-wide feedback; also the way in for an RTX
    /// packet's original (`Router+Repair`, `repaired`: left out of the
    /// stream's reception statistics, RFC 4588 §1, so the loss and jitter
    /// reported to the publisher stay its stream's own).
    func forward(
        _ packet: UnsafeRawBufferPointer, header: RTPHeader, repaired: Bool, now: ContinuousClock.Instant,
        into batch: PacketBatch, flush: (PacketBatch) -> Void
    ) -> RouteResult {
        var result = RouteResult()
        result.publisherSSRC = header.ssrc
        guard var position = table.positions[header.ssrc] else {
            if let repair = repairs[header.ssrc] {
                return routeRepair(packet, header: header, repair: repair, now: now, into: batch, flush: flush)
            }
            result.drop = .unknownSSRC
            return result
        }
        if let expected = table.tracks[position].configuration.payloadType, expected != header.payloadType {
            result.drop = .otherPayloadType
            return result
        }
        let sequence = table.tracks[position].sequenceUnwrapper.unwrap(header.sequenceNumber)
        let timestamp = table.tracks[position].timestampUnwrapper.unwrap(header.timestamp)
        if !repaired {
            table.tracks[position].statistics.packetReceived(
                extendedSequenceNumber: sequence, extendedTimestamp: timestamp, size: packet.count, now: now)
        }
        var arrival = table.tracks[position].nackGenerator.packetReceived(sequence, now: now)
        // The loss log forgets a number once its NACKs ran out (5 tries, 1 s): a retransmission
        // after that is late, not a duplicate, when the cache never had it.
        if arrival == .duplicate, let cache = table.tracks[position].cache,
           !cache.hasSeen(extendedSequenceNumber: sequence) {
            arrival = .recovered
        }
        table.tracks[position].cache?.insert(packet, extendedSequenceNumber: sequence)
        if arrival == .duplicate || table.tracks[position].isMuted {
            result.drop = arrival == .duplicate ? .duplicate : .muted
            return result
        }
        if audioLevelExtensionID != 0 {
            table.tracks[position].observeAudioLevel(packet, header: header, extensionID: audioLevelExtensionID)
        }
        let codec = table.tracks[position].configuration.codec
        var needKeyframe = arrival == .gapTooLarge && codec.isVideo
        var keyframe: Bool?
        // Simulcast: a layer's packets fan out through its group's down-tracks,
        // each choosing its layer (TrackTable+Simulcast); `position` becomes the group's.
        let layerPosition = position
        let layer = table.enterGroup(of: &position)
        // VP8: the descriptor's picture ID, TL0PICIDX and TID, read once for
        // every down-track (VP8Munger: rewriting, temporal layer).
        let vp8 = codec == .vp8
            ? VP8DescriptorFields(payload: UnsafeRawBufferPointer(rebasing: packet[header.payloadRange])) : nil
        for index in table.tracks[position].downTracks.indices {
            // Last-N: a paused down-track costs one Bool read, nothing on the wire.
            if table.tracks[position].downTracks[index].isPaused { continue }
            // A switch's counts before this packet (the munger counts it when it re-anchors).
            var switchesBefore = -1
            var alignedBefore = 0
            if let layer {
                guard table.tracks[position].downTracks[index].takesLayer(
                    layer, source: header.ssrc, codec: codec, payload: packet[header.payloadRange],
                    keyframe: &keyframe, needKeyframe: &needKeyframe)
                else { continue }
                if table.tracks[position].downTracks[index].munger.isResyncPending {
                    switchesBefore = table.tracks[position].downTracks[index].munger.sourceSwitches
                    alignedBefore = table.tracks[position].downTracks[index].munger.alignedAnchors
                    // A switch to this layer (not the first packet, not a resume on the same layer).
                    if table.tracks[position].downTracks[index].munger.isStarted,
                       !table.tracks[position].downTracks[index].munger.isAlignmentPending,
                       table.tracks[position].downTracks[index].munger.currentSource != header.ssrc {
                        alignSwitch(downTrack: index, of: position, to: header.ssrc, layerPosition: layerPosition)
                    }
                }
            } else if table.tracks[position].downTracks[index].waitingForKeyframe {
                let isKeyframe = keyframe ?? codec.isKeyframe(
                    payload: UnsafeRawBufferPointer(rebasing: packet[header.payloadRange]))
                keyframe = isKeyframe
                guard isKeyframe else {
                    needKeyframe = true
                    continue
                }
                table.tracks[position].downTracks[index].waitingForKeyframe = false
            }
            // A temporal layer above the subscriber's: dropped, its number closed.
            if let vp8, vp8.hasTemporalLayer {
                let reanchoring = table.tracks[position].downTracks[index].munger.isResyncPending
                if table.tracks[position].downTracks[index].vp8?.admits(vp8, reanchoring: reanchoring) == false {
                    table.tracks[position].downTracks[index].munger.skip(extendedSequenceNumber: sequence)
                    // An up-step waiting for a Y frame the encoder does not send: a keyframe
                    // (of this packet's layer, through its throttle) lets it step.
                    if table.tracks[position].downTracks[index].vp8?.wantsSyncKeyframe == true {
                        table.tracks[position].downTracks[index].vp8?.syncKeyframeRequested()
                        let last = table.tracks[layerPosition].syncKeyframeRequestedAt
                        if last.map({ now - $0 >= PublishedTrack.syncKeyframeInterval }) ?? true {
                            table.tracks[layerPosition].syncKeyframeRequestedAt = now
                            needKeyframe = true
                            result.syncKeyframeRequests &+= 1
                        }
                    }
                    continue
                }
                // The first frame after dropped ones follows the last one sent: no gap where
                // the dropped frames' packets were lost before the node.
                if table.tracks[position].downTracks[index].vp8?.closesGap(vp8) == true {
                    table.tracks[position].downTracks[index].munger.continueAfterDrops(at: sequence)
                }
            }
            guard let output = table.tracks[position].downTracks[index].munger.map(
                extendedSequenceNumber: sequence, extendedTimestamp: timestamp, now: now)
            else { continue }
            if switchesBefore >= 0 {
                result.layerSwitches &+= UInt16(
                    truncatingIfNeeded: table.tracks[position].downTracks[index].munger.sourceSwitches - switchesBefore)
                result.alignedLayerSwitches &+= UInt16(
                    truncatingIfNeeded: table.tracks[position].downTracks[index].munger.alignedAnchors - alignedBefore)
            }
            if batch.isFull {
                flush(batch)
                batch.reset()
            }
            // Field reads, not a copy of the whole DownTrack (no retain traffic).
            let subscriber = table.tracks[position].downTracks[index].subscriber
            guard let copy = batch.append(copying: packet, destination: subscriber) else { continue }
            RTPHeader.rewrite(
                copy, ssrc: table.tracks[position].downTracks[index].ssrc, sequenceNumber: output.sequenceNumber,
                timestamp: output.timestamp, payloadType: table.tracks[position].downTracks[index].payloadType)
            table.tracks[position].downTracks[index].extensionIDs?.apply(to: copy)
            if codec == .vp8 {
                // One access to the down-track for all of it (each access to the table is checked).
                table.tracks[position].downTracks[index].rewriteVP8(
                    copy, fields: vp8, payloadRange: header.payloadRange, output: output,
                    publisherSequenceNumber: sequence, source: header.ssrc, marker: header.marker)
            }
            table.tracks[position].downTracks[index].packetsSent += 1
            table.tracks[position].downTracks[index].bytesSent += packet.count
            result.forwarded += 1
        }
        if layer != nil {
            table.tracks[layerPosition].observeLayer(
                packet: packet, header: header, temporalLayer: vp8?.temporalLayer ?? -1, keyframe: &keyframe, now: now)
        }
        if keyframe == nil && codec.isVideo
            && (table.tracks[layerPosition].keyframeThrottle.isPending
                || table.tracks[layerPosition].keyframeThrottle.isAwaitingKeyframe) {
            keyframe = codec.isKeyframe(payload: UnsafeRawBufferPointer(rebasing: packet[header.payloadRange]))
        }
        // A keyframe answers every request still held back by the throttle.
        if keyframe == true {
            table.tracks[layerPosition].keyframeThrottle.keyframeReceived()
            // A simulcast group's own throttle (subscribers' PLIs, joins): a
            // keyframe answers the requests held for its layer; the throttle's
            // held request is answered once none is left (else its timer
            // releases it to the layers still waiting; review of session 16).
            // With nothing held, any layer's keyframe answers it; so it does a
            // request held for a subscriber with no target yet (every bit set:
            // it takes the first layer seen).
            if let layer {
                let held = table.tracks[position].heldKeyframeLayers
                table.tracks[position].heldKeyframeLayers = held == .max ? 0 : held & ~TrackTable.layerBit(layer)
                if table.tracks[position].heldKeyframeLayers == 0
                    || !table.tracks[position].keyframeThrottle.isPending {
                    table.tracks[position].keyframeThrottle.keyframeReceived()
                    table.tracks[position].heldKeyframeLayers = 0
                }
            }
        }
        if needKeyframe { result.requestKeyframe = table.tracks[layerPosition].keyframeThrottle.request(now: now) }
        counters.packetsOut += result.forwarded
        counters.bytesOut += result.forwarded * packet.count
        return result
    }

    /// A down-track about to re-anchor on another layer (`source`, at
    /// `layerPosition`) maps its timestamps through the two layers' sender
    /// reports when both have sent one (``RTPMunger/alignTimestamps(shift:)``);
    /// else the munger falls back to the wall time. Off the per-packet
    /// path: it runs once per switch.
    private func alignSwitch(downTrack index: Int, of position: Int, to source: UInt32, layerPosition: Int) {
        let current = table.tracks[position].downTracks[index].munger.currentSource
        guard current != source, let currentPosition = table.positions[current],
              let from = table.tracks[currentPosition].senderClock,
              let to = table.tracks[layerPosition].senderClock
        else { return }
        let clockRate = table.tracks[layerPosition].configuration.clockRate
        table.tracks[position].downTracks[index].munger.alignTimestamps(
            shift: SenderClock.shift(from: from, to: to, clockRate: clockRate))
    }
}
