public import MeetProtocol
import NIOConcurrencyHelpers

/// The replica's shared view of leaving SFU nodes: ``NodeWatch`` behind a
/// lock, fed by ``NodeWatcher`` (registry reads) and ``SFUEventRouter``
/// (`sfu.node-draining` events), read by sessions (whom to migrate, where
/// not to place) and by ``SFUGateway`` (which calls not to wait for).
public final class NodeDepartures: Sendable {
    private let watch: NIOLockedValueBox<NodeWatch>

    public init(staleAfterMs: Int64, retainMs: Int64 = 120_000) {
        self.watch = NIOLockedValueBox(NodeWatch(staleAfterMs: staleAfterMs, retainMs: retainMs))
    }

    /// A successful registry read; returns the nodes that just started
    /// leaving. `listening`: those of ``lossCandidates(_:nowMs:)`` whose
    /// inbox still has a subscriber.
    public func observe(_ records: [SFUNodeRecord], listening: Set<String> = [], nowMs: Int64) -> [NodeWatch.Departure] {
        self.watch.withLockedValue { $0.observe(records, listening: listening, nowMs: nowMs) }
    }

    /// The nodes this read would declare lost unless they still listen.
    public func lossCandidates(_ records: [SFUNodeRecord], nowMs: Int64) -> [String] {
        self.watch.withLockedValue { $0.lossCandidates(records, nowMs: nowMs) }
    }

    /// A failed registry read (the round is skipped).
    public func readFailed() {
        self.watch.withLockedValue { $0.readFailed() }
    }

    /// A node's draining event; the departure when it is news.
    public func draining(_ nodeId: String, nowMs: Int64) -> NodeWatch.Departure? {
        self.watch.withLockedValue { $0.draining(nodeId, nowMs: nowMs) }
    }

    /// Every node known to be draining or lost.
    public var departed: [String: MigrateReason] {
        self.watch.withLockedValue { $0.departed }
    }

    public func reason(_ nodeId: String) -> MigrateReason? {
        self.watch.withLockedValue { $0.departed[nodeId] }
    }

    /// `records` plus stand-ins for the nodes missing while the registry
    /// refills after an outage (``NodeWatch/standIns(missingFrom:nowMs:)``).
    public func withStandIns(_ records: [SFUNodeRecord], nowMs: Int64) -> [SFUNodeRecord] {
        let standIns = self.watch.withLockedValue { $0.standIns(missingFrom: records, nowMs: nowMs) }
        guard !standIns.isEmpty else { return records }
        let replaced = Set(standIns.map(\.id))
        return records.filter { !replaced.contains($0.id) } + standIns
    }

    /// Whether a call to the node would only wait for its timeout.
    public func isUnreachable(_ nodeId: String) -> Bool {
        self.watch.withLockedValue { $0.isUnreachable(nodeId) }
    }
}

/// What a session hears of leaving nodes (``SessionInput/nodes(_:)``):
/// every node known to be draining or lost and, from the watcher's round,
/// the registry records it just read, so a session picks its migration
/// target without reading the registry again.
public struct NodeNotice: Sendable {
    public var departed: [String: MigrateReason]
    /// The registry as the watcher read it at `nowMs`; nil after a node's
    /// draining event (the session reads the registry itself then).
    public var records: [SFUNodeRecord]?
    public var nowMs: Int64

    public init(departed: [String: MigrateReason], records: [SFUNodeRecord]?, nowMs: Int64) {
        self.departed = departed
        self.records = records
        self.nowMs = nowMs
    }
}
