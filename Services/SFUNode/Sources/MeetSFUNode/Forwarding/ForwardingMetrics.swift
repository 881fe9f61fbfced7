import Metrics

/// The forwarding path's metrics at `/metrics`: aggregate counters and
/// histograms, never labelled per transport (cardinality stays fixed however
/// many peers come and go). Handles are created once and cached; the
/// per-packet path touches none of them, only feedback and timers do.
struct ForwardingMetrics: Sendable {
    /// Packets the node resent from its cache for a subscriber's NACK.
    let retransmissions = Counter(label: "meet_sfu_retransmissions_total")
    /// Sequence numbers subscribers NACKed that the cache no longer had.
    let retransmissionMisses = Counter(label: "meet_sfu_retransmission_misses_total")
    /// Of the misses, VP8 packets in the cache the node refused to resend:
    /// never sent, and the picture ID they would go out with unknown (`Router.refusedRetransmissions`).
    let retransmissionRefusals = Counter(label: "meet_sfu_retransmission_refusals_total")
    /// NACK packets the node sent its publishers for its own ingress loss.
    let upstreamNACKs = Counter(label: "meet_sfu_upstream_nacks_total")
    /// Packets on publishers' RTX streams (RFC 4588), by what became of them
    /// (`Router.repairCounters`): routed as the retransmission they carry,
    /// repeats of packets already received, padding-only probes, dropped, or
    /// not paired with a media stream.
    let upstreamRepaired = Counter(label: "meet_sfu_upstream_rtx_packets_total", dimensions: [("kind", "repaired")])
    let upstreamRepairDuplicates = Counter(label: "meet_sfu_upstream_rtx_packets_total", dimensions: [("kind", "duplicate")])
    let upstreamRepairPadding = Counter(label: "meet_sfu_upstream_rtx_packets_total", dimensions: [("kind", "padding")])
    let upstreamUnrepairable = Counter(label: "meet_sfu_upstream_rtx_packets_total", dimensions: [("kind", "dropped")])
    /// RTX packets whose stream the node could not pair with a media stream yet.
    let upstreamUnpairedRepairs = Counter(label: "meet_sfu_upstream_rtx_packets_total", dimensions: [("kind", "unpaired")])
    /// Transport-wide congestion control feedback packets sent to publishers.
    let transportFeedback = Counter(label: "meet_sfu_transport_feedback_total")
    /// REMB packets (the node's receive-side estimate) sent to publishers without transport-cc.
    let remb = Counter(label: "meet_sfu_remb_total")
    /// Simulcast layer switches of subscribers' down-tracks, and of those the
    /// ones whose timestamps came from the two layers' sender reports (the
    /// rest re-anchor on the wall time: a layer without a report yet, or a
    /// report more than half a second off).
    let layerSwitches = Counter(label: "meet_sfu_layer_switches_total")
    let alignedLayerSwitches = Counter(label: "meet_sfu_layer_switches_aligned_total")
    /// VP8 temporal up-steps that waited 16 frames of the next layer for a
    /// sync (Y) frame and asked for a keyframe instead (before the throttle).
    let syncKeyframeRequests = Counter(label: "meet_sfu_temporal_sync_keyframe_requests_total")
    /// PLI/FIR the node sent publishers (subscriber requests after the throttle, joins, unmutes).
    let keyframeRequests = Counter(label: "meet_sfu_keyframe_requests_total")
    /// Subscriber PLI/FIR absorbed by the throttle.
    let keyframeRequestsThrottled = Counter(label: "meet_sfu_keyframe_requests_throttled_total")
    /// Subscriber receiver reports: loss fraction (0...1), jitter and round-trip time.
    let subscriberFractionLost = Recorder(label: "meet_sfu_subscriber_fraction_lost", aggregate: true)
    let subscriberJitter = Recorder(label: "meet_sfu_subscriber_jitter_seconds", aggregate: true)
    let subscriberRoundTrip = Metrics.Timer(label: "meet_sfu_subscriber_rtt_seconds", preferredDisplayUnit: .seconds)
    /// Dynacast `sfu.publisher-layers` events sent (a change or a 10 s refresh of a publisher's layers).
    let publisherLayerEvents = Counter(label: "meet_sfu_publisher_layer_events_total")
    /// Subscribers' transport-wide feedback packets read, and their REMB (#16 item 3).
    let subscriberTransportFeedback = Counter(label: "meet_sfu_subscriber_transport_feedback_total")
    let subscriberREMB = Counter(label: "meet_sfu_subscriber_remb_total")
    /// Each subscriber connection's estimate at each allocation (bits/s), once it has feedback.
    let subscriberEstimate = Recorder(label: "meet_sfu_subscriber_estimate_bps", aggregate: true)
    /// Videos the allocator paused (a connection's estimate too small for
    /// even their lowest layer), resumed, and resumed on trial (#16 item 4).
    let allocatorPauses = Counter(label: "meet_sfu_allocator_pauses_total")
    let allocatorResumes = Counter(label: "meet_sfu_allocator_resumes_total")
    /// Padding probe clusters started toward subscribers, their results, and the padding bytes sent (#16 item 3).
    let probeClusters = Counter(label: "meet_sfu_probe_clusters_total")
    let probeResults = Counter(label: "meet_sfu_probe_results_total")
    let probePaddingBytes = Counter(label: "meet_sfu_probe_padding_bytes_total")
    /// Packets a publisher sent that no subscriber got (muted track).
    let mutedPackets = Counter(label: "meet_sfu_muted_packets_total")

    static let shared = ForwardingMetrics()
}
