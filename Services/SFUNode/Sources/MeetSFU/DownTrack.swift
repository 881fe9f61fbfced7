import MeetRTCP
import MeetRTP

/// One subscriber's view of one published track: the SSRC (and payload
/// type) negotiated on the subscriber's transport, the munger that keeps its
/// numbering continuous, whether it waits for a keyframe, and its statistics.
///
/// A value stored inline in its `PublishedTrack`'s array, so fanning a packet
/// out walks contiguous memory and mutates in place.
public struct DownTrack: Sendable {
    /// The caller's handle for the subscriber transport (copied into
    /// `PacketBatch` destinations).
    public let subscriber: Int
    /// The SSRC the subscriber's SDP announced for this track.
    public let ssrc: UInt32
    /// Payload type on the subscriber's transport, when it differs from the publisher's.
    public let payloadType: UInt8?
    /// Header extension ids to renumber for this subscriber; nil when both sides agree.
    public let extensionIDs: ExtensionIDTable?
    public internal(set) var munger: RTPMunger
    /// Video down-tracks start (and restart after a pause) on a keyframe, so
    /// the decoder never gets a delta frame it cannot use.
    public internal(set) var waitingForKeyframe: Bool
    /// Last-N: the subscriber does not want this track now (off its page,
    /// not a speaker). Nothing is sent for it, not even a sender report;
    /// resuming re-anchors the munger and, for video, waits for a keyframe
    /// (`TrackTable+Pause`).
    public internal(set) var isPaused = false
    public internal(set) var packetsSent = 0
    public internal(set) var bytesSent = 0
    public internal(set) var retransmissions = 0
    public internal(set) var statistics: SubscriberStatistics
    /// The simulcast layer this subscriber gets of a group track (unused otherwise).
    public internal(set) var layers = LayerSelector()
    /// The RTX stream (RFC 4588) the subscriber negotiated for this track,
    /// if any: NACKed packets are repeated on it (``Router/setRTX(_:publisherSSRC:subscriber:)``).
    public internal(set) var rtx: RTXStream?
    /// A VP8 down-track's picture-id / TL0PICIDX rewriting and temporal
    /// layer (``VP8Munger``); nil for other codecs.
    public internal(set) var vp8: VP8Munger?

    init(
        subscriber: Int, ssrc: UInt32, payloadType: UInt8?, extensionIDs: ExtensionIDTable?, clockRate: Int,
        waitForKeyframe: Bool, paused: Bool = false, vp8: Bool = false
    ) {
        self.subscriber = subscriber
        self.ssrc = ssrc
        self.payloadType = payloadType
        self.extensionIDs = extensionIDs
        // Temporal drops start a munger segment per forwarded frame: a VP8 down-track keeps more.
        munger = RTPMunger(clockRate: clockRate, segmentHistory: vp8 ? RTPMunger.temporalSegmentHistory : RTPMunger.segmentHistory)
        waitingForKeyframe = waitForKeyframe
        isPaused = paused
        statistics = SubscriberStatistics(clockRate: clockRate)
        if vp8 { self.vp8 = VP8Munger() }
    }

    /// Goes on with `previous`'s subscriber-facing stream (an audio slot
    /// taken over from another publisher's track): its numbering continues
    /// after the last packet sent (``RTPMunger/handOver()``), and its
    /// counts continue, so sender reports never count backwards.
    mutating func continueStream(of previous: DownTrack) {
        munger = previous.munger
        munger.handOver()
        packetsSent = previous.packetsSent
        bytesSent = previous.bytesSent
        statistics = previous.statistics
    }

    /// The publisher's sender report rewritten for this subscriber (RFC 3550
    /// §6.4.1): our SSRC, the RTP timestamp moved by the munger's offset so
    /// the NTP↔RTP pair still holds (lip sync), our own packet and octet
    /// counts. Remembered for the RTT of the subscriber's next report.
    mutating func translate(_ report: RTCPSenderReport, now: ContinuousClock.Instant) -> RTCPSenderReport {
        statistics.senderReportSent(ntpTimestamp: report.ntpTimestamp, now: now)
        return RTCPSenderReport(
            ssrc: ssrc,
            ntpTimestamp: report.ntpTimestamp,
            rtpTimestamp: report.rtpTimestamp &- UInt32(truncatingIfNeeded: munger.currentTimestampOffset),
            packetCount: UInt32(truncatingIfNeeded: packetsSent),
            octetCount: UInt32(truncatingIfNeeded: bytesSent))
    }

    /// `report` translated (``translate(_:now:)``) when this down-track gets
    /// its track now: started, not paused, and, of a simulcast group, on
    /// `layer` (the munger's offsets are that layer's); nil otherwise.
    mutating func senderReport(
        translating report: RTCPSenderReport, layer: Int?, now: ContinuousClock.Instant
    ) -> RTCPSenderReport? {
        guard munger.isStarted, !isPaused, layer == nil || layers.current == layer else { return nil }
        return translate(report, now: now)
    }

    /// A VP8 down-track's copy (`routeRTP`): its picture ID and TL0PICIDX
    /// rewritten in place (``VP8Munger``), and what was sent remembered
    /// for NACKs (``VP8SentHistory``). Nothing without a ``VP8Munger``, or
    /// for a descriptor with neither picture ID, TL0PICIDX nor TID: nothing
    /// is rewritten or dropped in such a stream, so the munger's segments
    /// map its NACKs as before.
    @inline(__always)
    mutating func rewriteVP8(
        _ copy: UnsafeMutableRawBufferPointer, fields: VP8DescriptorFields?, payloadRange: Range<Int>,
        output: RTPMunger.Output, publisherSequenceNumber: Int64, source: UInt32, marker: Bool
    ) {
        guard vp8 != nil, let fields, fields.hasPictureID || fields.hasTL0PicIndex || fields.hasTemporalLayer else {
            return
        }
        vp8?.forwarded(output: output.extendedSequenceNumber, marker: marker)
        var entry = VP8SentHistory.Entry(
            publisherSequenceNumber: publisherSequenceNumber, source: source, timestamp: output.timestamp,
            sequenceNumber: output.sequenceNumber, pictureID: 0, tl0PicIndex: 0, rewritten: false)
        if fields.hasPictureID || fields.hasTL0PicIndex, let values = vp8?.rewrite(fields, anchors: munger.anchors)
        {
            fields.write(
                pictureID: values.pictureID, tl0PicIndex: values.tl0PicIndex,
                into: UnsafeMutableRawBufferPointer(rebasing: copy[payloadRange]))
            entry.pictureID = values.pictureID
            entry.tl0PicIndex = values.tl0PicIndex
            entry.rewritten = true
        }
        vp8?.record(entry)
    }

    /// Simulcast: the selector's temporal layer (``LayerSelector/targetTemporalLayer``)
    /// goes to the VP8 munger once the down-track is on the selector's
    /// target layer (on the switch, or at once when already there); while
    /// a switch is pending the current layer keeps its temporal layer.
    mutating func applyTemporalTarget() {
        guard vp8 != nil, layers.current != nil, layers.current == layers.target else { return }
        vp8?.setTargetTemporalLayer(layers.targetTemporalLayer ?? VP8Munger.allTemporalLayers)
    }

    /// Simulcast (`TrackTable+Simulcast`): whether this down-track of a
    /// group takes this packet of `layer`. Waiting for a keyframe (new,
    /// resumed, unmuted) starts over on its target's next keyframe; a switch
    /// re-anchors the munger on the layer (`source`, for NACKs). Sets
    /// `needKeyframe` when a target layer's packet is not the keyframe it waits for.
    @inline(__always)
    mutating func takesLayer(
        _ layer: Int, source: UInt32, codec: TrackConfiguration.Codec, payload: Slice<UnsafeRawBufferPointer>,
        keyframe: inout Bool?, needKeyframe: inout Bool
    ) -> Bool {
        if waitingForKeyframe {
            waitingForKeyframe = false
            layers.restart()
        }
        let decision = layers.packet(layer: layer) {
            if let keyframe { return keyframe }
            let isKeyframe = codec.isKeyframe(payload: UnsafeRawBufferPointer(rebasing: payload))
            keyframe = isKeyframe
            return isKeyframe
        }
        switch decision {
        case .forward:
            return true
        case .switchLayer:
            munger.markDiscontinuity(source: source)
            applyTemporalTarget()
            return true
        case .drop(let need):
            if need { needKeyframe = true }
            return false
        }
    }
}
