import Logging
import MeetRTC
import MeetSFU
import Metrics
import NIOCore

/// Padding probes toward this subscriber (#16 item 3, ``ProbeController``):
/// after each allocation, when the allocator wants more than the estimate
/// (a higher layer, a paused video), a cluster of padding-only packets on
/// the RTX stream of one of the subscriber's videos, paced every 5 ms over
/// the cluster, numbered on the transport-wide sequence like everything
/// sent here; the subscriber's feedback on the cluster raises the estimate.
///
/// Only with transport-wide feedback (REMB says nothing about a cluster)
/// and an RTX stream (padding on the media SSRC would shift the media's
/// numbering; a subscriber that did not take RTX keeps the allocator's
/// trials). Stops on over-use. Event loop only.
extension SubscriberTransport {
    static let probePacing = TimeAmount.milliseconds(5)

    /// Starts a cluster when one is due (after each allocation).
    func probeIfWanted(
        tracks: [BandwidthAllocator<SubscribedTrack>.Track], estimate: Int, sending: Int, now: ContinuousClock.Instant
    ) {
        assertOnOwningLoop()
        guard handle >= 0, bandwidth.estimator.feedbackCount > 0, plane.transportWideID(handle: handle) != 0,
              !bandwidth.probes.isSending(at: plane.microseconds(now)),
              publishers.contains(where: { $0.router.hasRTX(subscriber: handle) })
        else { return }
        let calm = bandwidth.paused.isEmpty
            ? bandwidth.probes.configuration.calmPeriod : bandwidth.probes.configuration.pausedCalmPeriod
        let congested = bandwidth.estimator.congested(within: calm, now: now)
        guard let cluster = bandwidth.probes.start(
            estimate: estimate, wanted: BandwidthAllocator<SubscribedTrack>.wanted(tracks), sending: sending,
            resume: bandwidth.allocator.resumeEstimate(tracks), congested: congested, now: plane.microseconds(now))
        else { return }
        ForwardingMetrics.shared.probeClusters.increment()
        logger.debug("probe cluster", metadata: [
            "transport": "\(id)", "estimate": "\(estimate)", "bitrate": "\(cluster.bitrate)",
            "padding": "\(cluster.paddingBitrate)", "durationMicros": "\(cluster.end - cluster.start)",
        ])
        pacePadding()
    }

    /// Sends the padding due now, and again in 5 ms while the cluster lasts.
    private func pacePadding() {
        assertOnOwningLoop()
        let now = ContinuousClock.now
        let micros = plane.microseconds(now)
        guard handle >= 0, connection?.state == .connected, bandwidth.estimator.usage != .overusing else {
            bandwidth.probes.cancel(now: micros)
            return
        }
        var due = bandwidth.probes.padding(now: micros)
        let size = bandwidth.probes.configuration.paddingPacketSize
        let id = plane.transportWideID(handle: handle)
        let plane = self.plane
        var sent = 0
        for publisher in publishers where due >= size {
            let written = publisher.router.writePadding(
                subscriber: handle, bytes: due, size: size, transportWideID: id, into: plane.batch
            ) { plane.send($0) }
            due -= written
            sent += written
        }
        plane.send(plane.batch)
        if sent > 0 { ForwardingMetrics.shared.probePaddingBytes.increment(by: Int64(sent)) }
        guard bandwidth.probes.isSending(at: micros) else { return }
        plane.eventLoop.scheduleTask(in: Self.probePacing) { [weak self] in self?.pacePadding() }
    }

    /// The subscriber's transport-wide feedback, for the cluster awaiting its result.
    func probeFeedback(_ results: [TransportWideSendHistory.PacketResult], now: ContinuousClock.Instant) {
        guard bandwidth.probes.cluster != nil,
              let result = bandwidth.probeFeedback(results, now: now, micros: plane.microseconds(now))
        else { return }
        ForwardingMetrics.shared.probeResults.increment()
        logger.debug("probe result", metadata: [
            "transport": "\(id)", "bitrate": "\(result)",
            "estimate": "\(bandwidth.estimator.estimate(now: now))",
        ])
    }
}
