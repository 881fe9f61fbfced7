import MeetRTP

/// The forwarding table of one publisher transport: its published tracks by
/// SSRC, each with the down-tracks of its subscribers, and the per-packet
/// path `routeRTP` (route → munge per subscriber → into the outgoing batch).
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
    /// Why `routeRTP` forwarded nothing.
    public enum Drop: Sendable, Equatable {
        case malformed
        case unknownSSRC
        case duplicate
        case muted
        /// A payload type other than the track's configured one (a codec switch).
        case otherPayloadType
    }

    /// The outcome of routing one packet.
    public struct RouteResult: Sendable, Equatable {
        /// Copies written into the batch.
        public var forwarded = 0
        public var drop: Drop?
        /// The caller should send PLI (or FIR) for `publisherSSRC` upstream
        /// now: a down-track waits for a keyframe, or the loss was too large
        /// to repair. Already throttled.
        public var requestKeyframe = false
        public var publisherSSRC: UInt32 = 0
    }

    struct SubscriberTrackKey: Hashable {
        var subscriber: Int
        var ssrc: UInt32
    }

    public let maximumSubscribersPerTrack: Int
    public internal(set) var counters = TrafficCounters()
    var tracks: ContiguousArray<PublishedTrack> = []
    var positions: [UInt32: Int] = [:]
    /// (subscriber, subscriber-facing SSRC) → publisher SSRC, for feedback.
    var feedbackRoutes: [SubscriberTrackKey: UInt32] = [:]
    /// Arrivals for transport-wide feedback (`Router+TransportWide`); id 0 = off.
    var transportWideLog: TransportWideFeedbackLog?
    var transportWideExtensionID: UInt8 = 0
    /// The publisher's audio-level extension id (`Router+AudioLevel`); 0 = off.
    var audioLevelExtensionID: UInt8 = 0

    public init(maximumSubscribersPerTrack: Int = 128) {
        self.maximumSubscribersPerTrack = maximumSubscribersPerTrack
    }

    // MARK: Per packet

    /// Routes one decrypted RTP packet from a publisher: updates the track's
    /// statistics, NACK log and retransmission cache, then writes a munged
    /// copy for every down-track into `batch`. When the batch fills, `flush`
    /// is called (protect and send it; the router resets it afterwards).
    public func routeRTP(
        _ packet: UnsafeRawBufferPointer, now: ContinuousClock.Instant,
        into batch: PacketBatch, flush: (PacketBatch) -> Void
    ) -> RouteResult {
        var result = RouteResult()
        guard let header = try? RTPHeader(parsing: packet) else {
            result.drop = .malformed
            return result
        }
        counters.packetsIn += 1
        counters.bytesIn += packet.count
        logTransportWideArrival(packet, header: header, now: now)
        result.publisherSSRC = header.ssrc
        guard var position = positions[header.ssrc] else {
            result.drop = .unknownSSRC
            return result
        }
        if let expected = tracks[position].configuration.payloadType, expected != header.payloadType {
            result.drop = .otherPayloadType
            return result
        }
        let sequence = tracks[position].sequenceUnwrapper.unwrap(header.sequenceNumber)
        let timestamp = tracks[position].timestampUnwrapper.unwrap(header.timestamp)
        tracks[position].statistics.packetReceived(
            extendedSequenceNumber: sequence, extendedTimestamp: timestamp, size: packet.count, now: now)
        let arrival = tracks[position].nackGenerator.packetReceived(sequence, now: now)
        tracks[position].cache?.insert(packet, extendedSequenceNumber: sequence)
        if arrival == .duplicate || tracks[position].isMuted {
            result.drop = arrival == .duplicate ? .duplicate : .muted
            return result
        }
        if audioLevelExtensionID != 0 { observeAudioLevel(packet, header: header, position: position) }
        let codec = tracks[position].configuration.codec
        var needKeyframe = arrival == .gapTooLarge && codec.isVideo
        var keyframe: Bool?
        // Simulcast: a layer's packets fan out through its group's down-tracks,
        // each choosing its layer (Router+Simulcast); `position` becomes the group's.
        let layerPosition = position
        let layer = enterGroup(of: &position)
        for index in tracks[position].downTracks.indices {
            // Last-N: a paused down-track costs one Bool read, nothing on the wire.
            if tracks[position].downTracks[index].isPaused { continue }
            if let layer {
                guard forwardsLayer(
                    layer, source: header.ssrc, downTrack: index, of: position, codec: codec, payload: packet[header.payloadRange],
                    keyframe: &keyframe, needKeyframe: &needKeyframe)
                else { continue }
            } else if tracks[position].downTracks[index].waitingForKeyframe {
                let isKeyframe = keyframe ?? codec.isKeyframe(
                    payload: UnsafeRawBufferPointer(rebasing: packet[header.payloadRange]))
                keyframe = isKeyframe
                guard isKeyframe else {
                    needKeyframe = true
                    continue
                }
                tracks[position].downTracks[index].waitingForKeyframe = false
            }
            guard let output = tracks[position].downTracks[index].munger.map(
                extendedSequenceNumber: sequence, extendedTimestamp: timestamp, now: now)
            else { continue }
            if batch.isFull {
                flush(batch)
                batch.reset()
            }
            // Field reads, not a copy of the whole DownTrack (no retain traffic).
            let subscriber = tracks[position].downTracks[index].subscriber
            guard let copy = batch.append(copying: packet, destination: subscriber) else { continue }
            RTPHeader.rewrite(
                copy, ssrc: tracks[position].downTracks[index].ssrc, sequenceNumber: output.sequenceNumber,
                timestamp: output.timestamp, payloadType: tracks[position].downTracks[index].payloadType)
            tracks[position].downTracks[index].extensionIDs?.apply(to: copy)
            tracks[position].downTracks[index].packetsSent += 1
            tracks[position].downTracks[index].bytesSent += packet.count
            result.forwarded += 1
        }
        if layer != nil { observeLayer(at: layerPosition, packet: packet, header: header, keyframe: &keyframe, now: now) }
        if keyframe == nil && codec.isVideo
            && (tracks[layerPosition].keyframeThrottle.isPending || tracks[layerPosition].keyframeThrottle.isAwaitingKeyframe) {
            keyframe = codec.isKeyframe(payload: UnsafeRawBufferPointer(rebasing: packet[header.payloadRange]))
        }
        // A keyframe answers every request still held back by the throttle.
        if keyframe == true { tracks[layerPosition].keyframeThrottle.keyframeReceived() }
        if needKeyframe { result.requestKeyframe = tracks[layerPosition].keyframeThrottle.request(now: now) }
        counters.packetsOut += result.forwarded
        counters.bytesOut += result.forwarded * packet.count
        return result
    }
}
