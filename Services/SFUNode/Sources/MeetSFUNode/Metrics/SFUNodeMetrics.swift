import Metrics
import MeetProtocol

/// The node's gauges at `/metrics`, refreshed with every registry heartbeat
/// from the same load figures the registry record carries. Handles are
/// created once (swift-metrics caches nothing itself).
struct SFUNodeMetrics: Sendable {
    let publishers = Gauge(label: "meet_sfu_publishers")
    let subscribers = Gauge(label: "meet_sfu_subscribers")
    let packetsInPerSecond = Gauge(label: "meet_sfu_packets_in_per_second")
    let packetsOutPerSecond = Gauge(label: "meet_sfu_packets_out_per_second")
    /// Packets out per second over the node's media workers (its cores): what
    /// the HorizontalPodAutoscaler scales on (k8s/sfu/deployment/hpa.yaml),
    /// independent of the machine's size.
    let packetsOutPerSecondPerCore = Gauge(label: "meet_sfu_packets_out_per_second_per_core")
    let bitsInPerSecond = Gauge(label: "meet_sfu_bits_in_per_second")
    let bitsOutPerSecond = Gauge(label: "meet_sfu_bits_out_per_second")
    let draining = Gauge(label: "meet_sfu_draining")
    /// The same traffic as counters (`meet_sfu_packets_out_total`, …).
    let traffic = TrafficCounters()
    /// How long the last drain lasted, SIGTERM to the start of shutdown.
    static let drainDuration = Metrics.Timer(label: "meet_sfu_drain_seconds", preferredDisplayUnit: .seconds)

    /// - Parameter cores: the media workers (event loops) forwarding the packets.
    func record(_ load: SFUNodeLoad, state: SFUNodeState, cores: Int) {
        publishers.record(load.publishers)
        subscribers.record(load.subscribers)
        packetsInPerSecond.record(load.packetsInPerSecond)
        packetsOutPerSecond.record(load.packetsOutPerSecond)
        packetsOutPerSecondPerCore.record(load.packetsOutPerSecond / Double(max(1, cores)))
        bitsInPerSecond.record(load.bitsInPerSecond)
        bitsOutPerSecond.record(load.bitsOutPerSecond)
        draining.record(state == .draining ? 1 : 0)
    }
}
