public import MeetProtocol

/// Which SFU nodes are leaving, as one replica sees them: a sans-I/O state
/// machine fed with registry reads (and the nodes' `sfu.node-draining`
/// events) that says, once per node, when a node starts draining or is lost.
///
/// Rules (docs/signaling.md, "Migration"):
///
/// - a record in state `draining`, or a node's draining event → **draining**;
/// - a node this replica has seen fresh (record written at most
///   `staleAfterMs` ago) whose record is now missing or stale, its newest
///   record written more than `staleAfterMs` ago, and that no longer
///   listens on its bus inbox → **lost** (about `staleAfterMs` after its
///   last heartbeat, plus one poll). One that still listens (its pub/sub
///   connection is open: a process starved of CPU, or whose heartbeats a
///   loaded Redis answered late) is lost only after `silentLostAfterMs`
///   (4 × `staleAfterMs`): a crashed process's connections close with it,
///   so a crash is still noticed at `staleAfterMs`, and only a machine
///   that vanished without closing them (power, partition) waits the
///   longer limit. Only successful
///   reads count: a failed read (Redis down or restarting) changes nothing,
///   and the first successful read after one restarts every node's clock, so
///   an outage (during which the nodes could not heartbeat either) never
///   reads as "every node lost";
/// - a node that was draining is never reported lost (a drained node exits
///   and its record goes away: that is the plan, not a crash);
/// - a departed node whose `serving` records are written again more than
///   `staleAfterMs` after its departure (restarted with the same id, or a
///   partition healed) is forgotten: it is a node like any other.
///
/// Departures are remembered for `retainMs` after the node was last seen in
/// the registry, so sessions that attach later (a resume on this replica)
/// are still told.
public struct NodeWatch: Sendable {
    /// One node leaving, announced once.
    public struct Departure: Sendable, Equatable {
        public var nodeId: String
        /// ``MigrateReason/nodeDraining`` or ``MigrateReason/nodeLost``.
        public var reason: MigrateReason

        public init(nodeId: String, reason: MigrateReason) {
            self.nodeId = nodeId
            self.reason = reason
        }
    }

    struct Node: Sendable {
        /// The write time of the newest fresh record this watcher read (or
        /// the end of a registry outage, when the clocks restarted).
        var lastFreshMs: Int64?
        var departure: MigrateReason?
        /// When the departure was declared (this replica's clock).
        var departedAtMs: Int64 = 0
        /// When the node was last present in a successful read.
        var lastPresentMs: Int64
        /// Whether the latest successful read found it fresh.
        var reachable = true
        /// Its newest fresh record (a stand-in while the registry refills).
        var lastRecord: SFUNodeRecord?
    }

    public let staleAfterMs: Int64
    /// How long a node that still listens on its inbox may go without a
    /// fresh record before it is declared lost.
    public let silentLostAfterMs: Int64
    public let retainMs: Int64
    private(set) var nodes: [String: Node] = [:]
    /// Set by a failed read; the next successful one restarts the clocks.
    private var recovering = false
    /// Whether any read succeeded yet (before that, nothing is unreachable).
    private var hasRead = false
    /// When the first successful read after an outage came (clocks restarted).
    private var recoveredAtMs: Int64?

    public init(staleAfterMs: Int64, retainMs: Int64 = 120_000, silentLostAfterMs: Int64? = nil) {
        self.staleAfterMs = staleAfterMs
        self.silentLostAfterMs = silentLostAfterMs ?? 4 * staleAfterMs
        self.retainMs = retainMs
    }

    /// The nodes that ``observe(_:listening:nowMs:)`` would declare lost
    /// now if none of them listened on its inbox: the watcher asks Redis
    /// which still do (`PUBSUB NUMSUB`) for these only, usually none.
    public func lossCandidates(_ records: [SFUNodeRecord], nowMs: Int64) -> [String] {
        guard !self.recovering else { return [] }  // the clocks restart on this read
        let fresh = Set(records.filter { nowMs - $0.updatedAtMs <= self.staleAfterMs }.map(\.id))
        return self.nodes.compactMap { id, node in
            !fresh.contains(id) && self.isLost(node, nowMs: nowMs, listening: false) ? id : nil
        }.sorted()
    }

    /// A registry read failed: skip the round, and do not count the outage.
    public mutating func readFailed() {
        self.recovering = true
    }

    /// A successful registry read at `nowMs`; returns the new departures.
    /// `listening`: the nodes among ``lossCandidates(_:nowMs:)`` whose bus
    /// inbox still has a subscriber.
    public mutating func observe(_ records: [SFUNodeRecord], listening: Set<String> = [], nowMs: Int64) -> [Departure] {
        if self.recovering {
            // The outage does not count against anyone: restart the clocks.
            for id in self.nodes.keys where self.nodes[id]?.lastFreshMs != nil { self.nodes[id]?.lastFreshMs = nowMs }
            self.recovering = false
            if self.hasRead { self.recoveredAtMs = nowMs }
        }
        self.hasRead = true
        var out: [Departure] = []
        var present: Set<String> = []
        for record in records {
            present.insert(record.id)
            let fresh = nowMs - record.updatedAtMs <= self.staleAfterMs
            var node = self.nodes[record.id] ?? Node(lastPresentMs: nowMs)
            node.lastPresentMs = nowMs
            node.reachable = fresh
            if fresh {
                // Back (or a new incarnation with the same id): serving records
                // written well after the departure. A record written just before
                // a draining event still says `serving`, and must not undo it.
                if record.state == .serving, node.departure != nil,
                    record.updatedAtMs > node.departedAtMs + self.staleAfterMs
                {
                    node.departure = nil
                }
                // The node's own write time, not this read's: a crash is then
                // noticed `staleAfterMs` after the last heartbeat, not twice that.
                node.lastFreshMs = max(node.lastFreshMs ?? record.updatedAtMs, record.updatedAtMs)
                node.lastRecord = record
            }
            if record.state == .draining, node.departure == nil {
                node.departure = .nodeDraining
                node.departedAtMs = nowMs
                out.append(Departure(nodeId: record.id, reason: .nodeDraining))
            } else if !fresh, self.isLost(node, nowMs: nowMs, listening: listening.contains(record.id)) {
                node.departure = .nodeLost
                node.departedAtMs = nowMs
                out.append(Departure(nodeId: record.id, reason: .nodeLost))
            }
            self.nodes[record.id] = node
        }
        for (id, var node) in self.nodes where !present.contains(id) {
            node.reachable = false
            if self.isLost(node, nowMs: nowMs, listening: listening.contains(id)) {
                node.departure = .nodeLost
                node.departedAtMs = nowMs
                out.append(Departure(nodeId: id, reason: .nodeLost))
            }
            if nowMs - node.lastPresentMs > self.retainMs {
                self.nodes[id] = nil  // long gone: forget it
            } else {
                self.nodes[id] = node
            }
        }
        return out.sorted { $0.nodeId < $1.nodeId }
    }

    /// Whether a node that is not fresh now should be declared lost: seen
    /// fresh before, not since `staleAfterMs` (`silentLostAfterMs` while it
    /// still listens on its inbox), and not already departed.
    private func isLost(_ node: Node, nowMs: Int64, listening: Bool) -> Bool {
        guard node.departure == nil, let lastFresh = node.lastFreshMs else { return false }
        return nowMs - lastFresh > (listening ? self.silentLostAfterMs : self.staleAfterMs)
    }

    /// Last-known records to place on while the registry refills after an
    /// outage (issue #23, finding 3): a Redis restarted empty lists no node
    /// until each re-announces itself, and placement must not refuse
    /// publishers meanwhile. For `staleAfterMs` after the first successful
    /// read that followed failed ones, each node that was serving and fresh
    /// before, has not departed, and is missing or stale in `records` gets
    /// its last record back, dated to the recovery (so placement's staleness
    /// rule ends the stand-in on time). A node that died during the outage
    /// may be chosen then: its publish fails, and the client publishes again.
    public func standIns(missingFrom records: [SFUNodeRecord], nowMs: Int64) -> [SFUNodeRecord] {
        guard let recoveredAtMs, nowMs - recoveredAtMs <= self.staleAfterMs else { return [] }
        let fresh = Set(records.filter { nowMs - $0.updatedAtMs <= self.staleAfterMs }.map(\.id))
        return self.nodes.values.compactMap { node in
            guard node.departure == nil, var record = node.lastRecord, record.state == .serving, !fresh.contains(record.id)
            else { return nil }
            record.updatedAtMs = recoveredAtMs
            return record
        }.sorted { $0.id < $1.id }
    }

    /// The node's `sfu.node-draining` event; the departure when it is news.
    public mutating func draining(_ nodeId: String, nowMs: Int64) -> Departure? {
        var node = self.nodes[nodeId] ?? Node(lastPresentMs: nowMs)
        guard node.departure == nil else { return nil }
        node.departure = .nodeDraining
        node.departedAtMs = nowMs
        self.nodes[nodeId] = node
        return Departure(nodeId: nodeId, reason: .nodeDraining)
    }

    /// Every node known to be draining or lost, with why.
    public var departed: [String: MigrateReason] {
        self.nodes.compactMapValues(\.departure)
    }

    /// Whether a request to the node would only wait for a timeout: the
    /// latest successful read found it missing or stale (a lost node is
    /// always that).
    public func isUnreachable(_ nodeId: String) -> Bool {
        guard self.hasRead, let node = self.nodes[nodeId] else { return false }
        return !node.reachable
    }
}
