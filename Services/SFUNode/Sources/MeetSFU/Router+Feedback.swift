public import MeetRTCP
import MeetRTP

/// Feedback beside the forwarding path: subscriber NACKs answered from the
/// cache, subscriber keyframe requests collapsed upstream, receiver reports
/// into statistics, sender reports translated per subscriber, and the
/// periodic upstream NACK/PLI the node itself owes each publisher.
extension Router {
    /// Whether `subscriber` has a down-track here that it sees as `ssrc`
    /// (a subscriber connection carrying several publishers sends each
    /// report to the router it is about).
    public func carries(subscriber: Int, ssrc: UInt32) -> Bool {
        feedbackRoutes[SubscriberTrackKey(subscriber: subscriber, ssrc: ssrc)] != nil
    }

    /// Answers a subscriber's generic NACK (RFC 4585 §6.2.1) for the track
    /// it sees as `mediaSSRC`: each requested packet still in the cache is
    /// copied into `batch`, renumbered as the subscriber knows it. Returns
    /// how many were queued; the rest the subscriber will conceal or PLI.
    @discardableResult
    public func handleNACK(
        subscriber: Int, mediaSSRC: UInt32, pairs: [RTCPGenericNACK.Pair],
        into batch: PacketBatch, flush: (PacketBatch) -> Void
    ) -> Int {
        guard let publisherSSRC = feedbackRoutes[SubscriberTrackKey(subscriber: subscriber, ssrc: mediaSSRC)],
              let position = positions[publisherSSRC],
              let index = tracks[position].downTrackIndex(subscriber: subscriber)
        else { return 0 }
        let downTrack = tracks[position].downTracks[index]
        var sent = 0
        for pair in pairs {
            for bit in -1..<16 where bit < 0 || pair.lostBitmask & (1 << bit) != 0 {
                let sequenceNumber = pair.packetID &+ UInt16(bit + 1)
                guard let mapping = downTrack.munger.mapNACK(sequenceNumber),
                      let cache = retransmissionCache(of: position, source: mapping.source),
                      let stored = cache.packet(extendedSequenceNumber: mapping.publisherSequenceNumber),
                      let header = try? RTPHeader(parsing: stored)
                else { continue }
                if batch.isFull {
                    flush(batch)
                    batch.reset()
                }
                guard let copy = batch.append(copying: stored, destination: subscriber) else { continue }
                RTPHeader.rewrite(
                    copy, ssrc: downTrack.ssrc, sequenceNumber: sequenceNumber,
                    timestamp: header.timestamp &- UInt32(truncatingIfNeeded: mapping.timestampOffset),
                    payloadType: downTrack.payloadType)
                downTrack.extensionIDs?.apply(to: copy)
                counters.packetsOut += 1
                counters.bytesOut += stored.count
                sent += 1
            }
        }
        tracks[position].downTracks[index].retransmissions += sent
        return sent
    }

    /// A subscriber asked for a keyframe (PLI or FIR) on the track it sees
    /// as `mediaSSRC`. Returns the publisher SSRC to send PLI/FIR to now, or
    /// nil (unknown track, paused for this subscriber (nothing to decode),
    /// or collapsed into a request already sent).
    public func handleKeyframeRequest(subscriber: Int, mediaSSRC: UInt32, now: ContinuousClock.Instant) -> UInt32? {
        guard let publisherSSRC = feedbackRoutes[SubscriberTrackKey(subscriber: subscriber, ssrc: mediaSSRC)],
              let position = positions[publisherSSRC],
              !tracks[position].isMuted,
              tracks[position].downTrackIndex(subscriber: subscriber).map({ !tracks[position].downTracks[$0].isPaused })
                ?? false,
              tracks[position].keyframeThrottle.request(now: now)
        else { return nil }
        return publisherSSRC
    }

    /// A report block from `subscriber` about the track it sees as `block.ssrc`.
    public func handleReceiverReport(subscriber: Int, block: RTCPReportBlock, now: ContinuousClock.Instant) {
        guard let publisherSSRC = feedbackRoutes[SubscriberTrackKey(subscriber: subscriber, ssrc: block.ssrc)],
              let position = positions[publisherSSRC],
              let index = tracks[position].downTrackIndex(subscriber: subscriber)
        else { return }
        tracks[position].downTracks[index].statistics.receiverReportReceived(block, now: now)
    }

    /// The publisher's sender report: remembered for our receiver reports
    /// and translated for each subscriber (`body` sends it), so receivers
    /// can synchronise audio and video.
    public func handleSenderReport(
        _ report: RTCPSenderReport, now: ContinuousClock.Instant,
        body: (_ subscriber: Int, _ report: RTCPSenderReport) -> Void
    ) {
        guard let position = positions[report.ssrc] else { return }
        tracks[position].statistics.senderReportReceived(ntpTimestamp: report.ntpTimestamp, now: now)
        for index in tracks[position].downTracks.indices
        where tracks[position].downTracks[index].munger.isStarted && !tracks[position].downTracks[index].isPaused {
            let translated = tracks[position].downTracks[index].translate(report, now: now)
            body(tracks[position].downTracks[index].subscriber, translated)
        }
        forwardLayerSenderReport(report, from: position, now: now, body: body)
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
        for position in tracks.indices {
            let ssrc = tracks[position].ssrc
            scratch.removeAll(keepingCapacity: true)
            tracks[position].nackGenerator.collectDue(now: now, into: &scratch)
            if !scratch.isEmpty { nack(ssrc, scratch) }
            if tracks[position].keyframeThrottle.poll(now: now) { keyframeRequest(ssrc) }
        }
    }

    /// Report blocks about every published track, for the receiver reports
    /// the node sends its publishers (RFC 3550 §6.4.2).
    public func makeReportBlocks(now: ContinuousClock.Instant) -> [RTCPReportBlock] {
        // A simulcast group receives nothing: its layers report.
        tracks.indices.filter { tracks[$0].configuration.simulcast != .group }
            .map { tracks[$0].statistics.makeReportBlock(ssrc: tracks[$0].ssrc, now: now) }
    }

    /// What arrived over all tracks so far, the receive-side estimate's
    /// input: bytes of every routed packet, and the packets expected and
    /// lost by sequence number (RFC 3550 §A.3). Totals restart when a
    /// track is re-registered.
    public var receiveTotals: ReceiveSideEstimator.Totals {
        var totals = ReceiveSideEstimator.Totals(bytes: counters.bytesIn, expected: 0, lost: 0)
        for index in tracks.indices {
            totals.expected += tracks[index].statistics.expected
            totals.lost += tracks[index].statistics.lost
        }
        return totals
    }
}
