import MeetProtocol
import MeetRTC
import MeetSFU
import Metrics

/// Dynacast on the node (#16 item 5, docs/signaling.md "Dynacast"): every
/// `interval` (on the RTCP timer) it asks each publisher's router which
/// layers of each simulcast section its subscribers want
/// (``Router/wantedLayers(ofGroup:count:now:)``: every subscriber of a
/// publisher is on this node, so the answer is complete), lets a
/// ``DynacastBook`` decide which publishers to tell (a layer wanted again at
/// once, one unwanted after the pause delay, a refresh every
/// ``SFUPublisherLayersEvent/refreshMs``), and hands each such publisher's
/// sections to `sink` as one ``SFUPublisherLayersEvent`` (the bus, via
/// ``NodeEventPublisher``; nothing waits on Redis here). meet-ws passes it
/// to the publishing client, which turns the other layers off. It also
/// tells each router which layers its publisher was told to stop
/// (``Router/setDynacastPaused(_:ofGroup:)``): the subscribers' allocators
/// budget for those, not for a layer the publisher stopped on its own
/// (``LayerDemand/costs(of:maxHeight:)``).
///
/// Event loop only, like the ``TransportManager`` timer that drives it;
/// nothing here runs per packet.
final class PublisherLayerReporter {
    typealias Sink = @Sendable (SFUPublisherLayersEvent) -> Void

    /// A simulcast section of a publisher transport.
    struct Section: Hashable, Sendable {
        var transportId: String
        var mid: String
    }

    /// How often the wanted layers are computed (as often as layers are retargeted).
    static let interval = Duration.milliseconds(200)

    private let nodeId: String
    private let sink: Sink
    private var book: DynacastBook<Section>?
    private var lastRound: ContinuousClock.Instant?

    /// `pauseDelay` nil turns dynacast off (publishers send every layer).
    init(nodeId: String, pauseDelay: Duration?, sink: @escaping Sink) {
        self.nodeId = nodeId
        self.sink = sink
        book = pauseDelay.map {
            DynacastBook(configuration: .init(
                pauseDelay: $0, refresh: .milliseconds(SFUPublisherLayersEvent.refreshMs)))
        }
    }

    /// From the node's 20 ms timer: runs a round once `interval` passed.
    func tick(now: ContinuousClock.Instant, publishers: some Sequence<PublisherTransport>) {
        guard book != nil, lastRound.map({ now - $0 >= Self.interval }) ?? true else { return }
        lastRound = now
        var seen = Set<Section>()
        for publisher in publishers {
            var due: [PublisherLayers.Section] = []
            for (ssrc, routed) in publisher.routed where routed.simulcast == .group {
                guard let rids = publisher.remoteTracks.first(where: { $0.mid == routed.mid })?.rids, !rids.isEmpty
                else { continue }
                let section = Section(transportId: publisher.id, mid: routed.mid)
                seen.insert(section)
                let negotiated = Set(rids.indices)
                let wanted = publisher.router.wantedLayers(ofGroup: ssrc, count: rids.count, now: now)
                let send = book?.update(section, wanted: wanted, negotiated: negotiated, now: now)
                // What the publisher was told to stop: the allocator budgets for it, not for what it stopped alone.
                publisher.router.setDynacastPaused(book?.paused(section, negotiated: negotiated) ?? [], ofGroup: ssrc)
                guard let send else { continue }
                due.append(PublisherLayers.Section(mid: routed.mid, active: send.sorted().map { rids[$0] }))
            }
            guard !due.isEmpty else { continue }
            ForwardingMetrics.shared.publisherLayerEvents.increment()
            sink(SFUPublisherLayersEvent(
                nodeId: nodeId, roomId: publisher.roomId, participantId: publisher.participantId,
                layers: PublisherLayers(transportId: publisher.id, sections: due)))
        }
        book?.keep(only: seen)
    }
}
