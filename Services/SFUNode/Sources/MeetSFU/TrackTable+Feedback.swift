public import MeetRTCP

/// The table's side of RTCP feedback (``Router`` exposes it, in
/// `Router+Feedback`): finding the down-track a subscriber's feedback is
/// about, its keyframe requests and report blocks, the report blocks of the
/// node's receiver reports to publishers, and what the receive-side
/// bandwidth estimate counts. No callbacks here: those the router runs
/// with no access to the table held.
extension TrackTable {
    /// The track and down-track that `subscriber`'s feedback about the SSRC
    /// it sees as `ssrc` is about; nil when it has none here.
    func feedbackTarget(subscriber: Int, ssrc: UInt32) -> (position: Int, index: Int)? {
        guard let publisherSSRC = feedbackRoutes[SubscriberTrackKey(subscriber: subscriber, ssrc: ssrc)],
              let position = positions[publisherSSRC],
              let index = tracks[position].downTrackIndex(subscriber: subscriber)
        else { return nil }
        return (position, index)
    }

    /// Whether `subscriber` has a down-track here that it sees as `ssrc`.
    func carries(subscriber: Int, ssrc: UInt32) -> Bool {
        feedbackRoutes[SubscriberTrackKey(subscriber: subscriber, ssrc: ssrc)] != nil
    }

    /// A subscriber's keyframe request (PLI or FIR) on the track it sees as
    /// `ssrc`: the publisher SSRC to ask now, or nil (unknown, hard-muted,
    /// paused for this subscriber, or collapsed by the throttle).
    mutating func keyframeRequest(subscriber: Int, ssrc: UInt32, now: ContinuousClock.Instant) -> UInt32? {
        guard let (position, index) = feedbackTarget(subscriber: subscriber, ssrc: ssrc),
              !tracks[position].isMuted, !tracks[position].downTracks[index].isPaused
        else { return nil }
        guard tracks[position].keyframeThrottle.request(now: now) else {
            // A simulcast group: the held request, when released, asks the layer this subscriber gets.
            if tracks[position].configuration.simulcast == .group {
                tracks[position].heldKeyframeLayers |= Self.layerBit(tracks[position].downTracks[index].layers.current
                    ?? tracks[position].downTracks[index].layers.target)
            }
            return nil
        }
        return tracks[position].ssrc
    }

    /// A report block from `subscriber` about the track it sees as `block.ssrc`.
    mutating func receiverReport(subscriber: Int, block: RTCPReportBlock, now: ContinuousClock.Instant) {
        guard let (position, index) = feedbackTarget(subscriber: subscriber, ssrc: block.ssrc) else { return }
        tracks[position].downTracks[index].statistics.receiverReportReceived(block, now: now)
    }

    /// Report blocks about every published track, for the receiver reports
    /// the node sends its publishers (RFC 3550 §6.4.2).
    mutating func makeReportBlocks(now: ContinuousClock.Instant) -> [RTCPReportBlock] {
        // A simulcast group receives nothing: its layers report.
        tracks.indices.filter { tracks[$0].configuration.simulcast != .group }
            .map { tracks[$0].statistics.makeReportBlock(ssrc: tracks[$0].ssrc, now: now) }
    }

    /// The receive-side estimate's input (``Router/receiveTotals``): `bytes`
    /// routed, and the packets expected and lost by sequence number over all tracks.
    func receiveTotals(bytes: Int) -> ReceiveSideEstimator.Totals {
        var totals = ReceiveSideEstimator.Totals(bytes: bytes, expected: 0, lost: 0)
        for index in tracks.indices {
            totals.expected += tracks[index].statistics.expected
            totals.lost += tracks[index].statistics.lost
        }
        return totals
    }
}
