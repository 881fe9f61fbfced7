public import MeetRTCP
import MeetRTP

/// Feedback beside the forwarding path: subscriber NACKs answered from the
/// cache, subscriber keyframe requests collapsed upstream, receiver reports
/// into statistics, sender reports translated per subscriber, the periodic
/// upstream NACK/PLI and report blocks the node itself owes each publisher,
/// and transport-wide feedback. What needs only the table is in
/// `TrackTable+Feedback`. Callbacks run with
/// no access to the table held, so they may call the router again.
extension Router {
    /// Whether `subscriber` has a down-track here that it sees as `ssrc`
    /// (a subscriber connection carrying several publishers sends each
    /// report to the router it is about).
    public func carries(subscriber: Int, ssrc: UInt32) -> Bool {
        table.carries(subscriber: subscriber, ssrc: ssrc)
    }

    /// Answers a subscriber's generic NACK (RFC 4585 §6.2.1) for the track
    /// it sees as `mediaSSRC`: each requested packet still in the cache is
    /// copied into `batch`, renumbered as the subscriber knows it, and, when
    /// the down-track has an ``RTXStream``, wrapped as RTX (RFC 4588: the
    /// original sequence number first in the payload, the RTX SSRC, payload
    /// type and sequence number; plain when the slot lacks the 2 bytes).
    /// Returns how many were queued; the rest the subscriber will conceal or PLI.
    @discardableResult
    public func handleNACK(
        subscriber: Int, mediaSSRC: UInt32, pairs: [RTCPGenericNACK.Pair],
        into batch: PacketBatch, flush: (PacketBatch) -> Void
    ) -> Int {
        guard let (position, index) = table.feedbackTarget(subscriber: subscriber, ssrc: mediaSSRC) else { return 0 }
        let downTrack = table.tracks[position].downTracks[index]
        var rtx = downTrack.rtx
        var sent = 0
        for pair in pairs {
            for bit in -1..<16 where bit < 0 || pair.lostBitmask & (1 << bit) != 0 {
                let sequenceNumber = pair.packetID &+ UInt16(bit + 1)
                // A VP8 down-track repeats what it sent (VP8SentHistory: the
                // packet, its timestamp, picture ID and TL0PICIDX); without an
                // entry, a packet whose descriptor it never rewrote, or one of
                // a picture it sent other packets of (`sameFrameEntry`).
                var original = downTrack.vp8?.history.entry(sequenceNumber: sequenceNumber)
                let mapping = original.map {
                    RTPMunger.Retransmission(publisherSequenceNumber: $0.publisherSequenceNumber, timestampOffset: 0, source: $0.source)
                } ?? downTrack.munger.mapNACK(sequenceNumber)
                guard let mapping,
                      let cache = table.retransmissionCache(of: position, source: mapping.source),
                      let stored = cache.packet(extendedSequenceNumber: mapping.publisherSequenceNumber),
                      let header = try? RTPHeader(parsing: stored)
                else { continue }
                let fields = downTrack.vp8 == nil
                    ? nil : VP8DescriptorFields(payload: UnsafeRawBufferPointer(rebasing: stored[header.payloadRange]))
                if let history = downTrack.vp8?.history, original == nil, let fields, fields.hasPictureID || fields.hasTL0PicIndex {
                    original = Self.sameFrameEntry(
                        sequenceNumber, mapping: mapping, fields: fields, history: history, cache: cache)
                    if original == nil {
                        // The values it would go out with are unknown: refused (the receiver's PLI covers it).
                        refusedRetransmissions += 1
                        continue
                    }
                }
                if batch.isFull {
                    flush(batch)
                    batch.reset()
                }
                guard let copy = batch.append(copying: stored, destination: subscriber) else { continue }
                RTPHeader.rewrite(
                    copy, ssrc: downTrack.ssrc, sequenceNumber: sequenceNumber,
                    timestamp: original?.timestamp ?? header.timestamp &- UInt32(truncatingIfNeeded: mapping.timestampOffset),
                    payloadType: downTrack.payloadType)
                downTrack.extensionIDs?.apply(to: copy)
                if let original, original.rewritten, let fields {
                    fields.write(
                        pictureID: original.pictureID, tl0PicIndex: original.tl0PicIndex,
                        into: UnsafeMutableRawBufferPointer(rebasing: copy[header.payloadRange]))
                }
                var length = stored.count
                // The slot's trailer room is the egress's (SRTP): RTX grows within the packet size.
                if let stream = rtx,
                   let wrapped = RTXPacket.wrap(
                       UnsafeMutableRawBufferPointer(rebasing: batch.slot(batch.count - 1)[0..<batch.maximumPacketSize]),
                       length: length, ssrc: stream.ssrc,
                       sequenceNumber: stream.sequenceNumber, payloadType: stream.payloadType) {
                    _ = rtx?.next()
                    batch.setLength(wrapped, at: batch.count - 1)
                    length = wrapped
                }
                counters.packetsOut += 1
                counters.bytesOut += length
                sent += 1
            }
        }
        table.tracks[position].downTracks[index].retransmissions += sent
        table.tracks[position].downTracks[index].rtx = rtx
        return sent
    }

    /// What a VP8 down-track would have sent as `sequenceNumber`, a number
    /// it kept for a packet it never sent (lost before the node; its
    /// upstream retransmission came when it could no longer be forwarded,
    /// e.g. after a layer switch), `mapping` to the publisher's packet of
    /// `fields`, now in `cache`: the values a neighbour number went out with,
    /// when that neighbour is the publisher's neighbour packet from the same
    /// layer and picture (same picture: same timestamp, picture ID and
    /// TL0PICIDX). Nil otherwise (session 16: these NACKs were all refused).
    static func sameFrameEntry(
        _ sequenceNumber: UInt16, mapping: RTPMunger.Retransmission, fields: VP8DescriptorFields,
        history: VP8SentHistory, cache: RetransmissionCache
    ) -> VP8SentHistory.Entry? {
        guard fields.hasPictureID else { return nil }
        for step in stride(from: -1, through: 1, by: 2) {
            guard var entry = history.entry(sequenceNumber: sequenceNumber &+ UInt16(bitPattern: Int16(step))),
                  entry.rewritten, entry.source == mapping.source,
                  entry.publisherSequenceNumber == mapping.publisherSequenceNumber + Int64(step),
                  let neighbour = cache.packet(extendedSequenceNumber: entry.publisherSequenceNumber),
                  let header = try? RTPHeader(parsing: neighbour),
                  let neighbourFields = VP8DescriptorFields(payload: UnsafeRawBufferPointer(rebasing: neighbour[header.payloadRange])),
                  neighbourFields.hasPictureID, neighbourFields.pictureID == fields.pictureID
            else { continue }
            entry.sequenceNumber = sequenceNumber
            entry.publisherSequenceNumber = mapping.publisherSequenceNumber
            return entry
        }
        return nil
    }

    /// A subscriber asked for a keyframe (PLI or FIR) on the track it sees
    /// as `mediaSSRC`. Returns the publisher SSRC to send PLI/FIR to now, or
    /// nil (unknown track, paused for this subscriber (nothing to decode),
    /// or collapsed into a request already sent).
    public func handleKeyframeRequest(subscriber: Int, mediaSSRC: UInt32, now: ContinuousClock.Instant) -> UInt32? {
        table.keyframeRequest(subscriber: subscriber, ssrc: mediaSSRC, now: now)
    }

    /// A report block from `subscriber` about the track it sees as `block.ssrc`.
    public func handleReceiverReport(subscriber: Int, block: RTCPReportBlock, now: ContinuousClock.Instant) {
        table.receiverReport(subscriber: subscriber, block: block, now: now)
    }

    /// The publisher's sender report: remembered for our receiver reports
    /// and translated for each subscriber (`body` sends it), so receivers
    /// can synchronise audio and video.
    public func handleSenderReport(
        _ report: RTCPSenderReport, now: ContinuousClock.Instant,
        body: (_ subscriber: Int, _ report: RTCPSenderReport) -> Void
    ) {
        guard let position = table.positions[report.ssrc] else { return }
        table.tracks[position].statistics.senderReportReceived(ntpTimestamp: report.ntpTimestamp, now: now)
        table.tracks[position].senderClock = SenderClock(ntpTimestamp: report.ntpTimestamp, rtpTimestamp: report.rtpTimestamp)
        forwardSenderReport(report, toDownTracksOf: position, layer: nil, now: now, body: body)
        // A simulcast layer's report goes to the group's down-tracks on that layer.
        var groupPosition = position
        if let layer = table.enterGroup(of: &groupPosition) {
            forwardSenderReport(report, toDownTracksOf: groupPosition, layer: layer, now: now, body: body)
        }
    }

    /// `body` gets the report translated for each down-track of the track
    /// at `position` that gets it now (``DownTrack/senderReport(translating:layer:now:)``).
    /// Accesses the table per statement: `body` may call back in.
    private func forwardSenderReport(
        _ report: RTCPSenderReport, toDownTracksOf position: Int, layer: Int?, now: ContinuousClock.Instant,
        body: (_ subscriber: Int, _ report: RTCPSenderReport) -> Void
    ) {
        for index in table.tracks[position].downTracks.indices {
            guard let translated = table.tracks[position].downTracks[index].senderReport(
                translating: report, layer: layer, now: now)
            else { continue }
            body(table.tracks[position].downTracks[index].subscriber, translated)
        }
    }

    /// What the node owes its publishers on the RTCP timer: NACKs for
    /// missing packets (`nack` gets the publisher SSRC and the sequence
    /// numbers, to pack with `RTCPGenericNACK.pairs(for:)`) and keyframe
    /// requests that the throttle held back. `scratch` is reused.
    public func collectUpstreamFeedback(
        now: ContinuousClock.Instant, scratch: inout [UInt16],
        nack: (_ publisherSSRC: UInt32, _ sequenceNumbers: [UInt16]) -> Void,
        keyframeRequest: (_ publisherSSRC: UInt32) -> Void
    ) {
        // Per statement access to the table: the callbacks may call back in.
        for position in table.tracks.indices {
            let ssrc = table.tracks[position].ssrc
            scratch.removeAll(keepingCapacity: true)
            table.tracks[position].nackGenerator.collectDue(now: now, into: &scratch)
            if !scratch.isEmpty { nack(ssrc, scratch) }
            if table.tracks[position].keyframeThrottle.poll(now: now) { keyframeRequest(ssrc) }
        }
    }

    /// Whether ``collectUpstreamFeedback(now:scratch:nack:keyframeRequest:)``
    /// has work coming without another arrival: a missing packet not yet
    /// given up on (NACK retries), or a keyframe request the throttle holds
    /// back. The node's timer keeps visiting the publisher while it has.
    public var hasPendingUpstreamFeedback: Bool {
        table.tracks.contains { $0.nackGenerator.missingCount > 0 || $0.keyframeThrottle.isPending }
    }

    /// Report blocks about every published track, for the receiver reports
    /// the node sends its publishers (RFC 3550 §6.4.2).
    public func makeReportBlocks(now: ContinuousClock.Instant) -> [RTCPReportBlock] { table.makeReportBlocks(now: now) }

    /// What arrived over all tracks so far, the receive-side estimate's
    /// input: bytes of every routed packet, and the packets expected and
    /// lost by sequence number (RFC 3550 §A.3). Totals restart when a
    /// track is re-registered.
    public var receiveTotals: ReceiveSideEstimator.Totals {
        table.receiveTotals(bytes: counters.bytesIn)
    }

    /// Transport-wide congestion control feedback (`TransportWideArrivals`).
    public func enableTransportWideFeedback(extensionID id: UInt8, now: ContinuousClock.Instant) {
        transportWide.enable(extensionID: id, now: now)
    }

    public var isTransportWideFeedbackEnabled: Bool { transportWide.isEnabled }

    /// Feedback covering the packets that arrived since the last call; nil when none did.
    public func makeTransportWideFeedback(senderSSRC: UInt32) -> RTCPTransportWideFeedback? {
        transportWide.makeFeedback(senderSSRC: senderSSRC)
    }
}
