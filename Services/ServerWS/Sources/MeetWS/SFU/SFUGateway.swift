public import Foundation
public import Logging
public import MeetBus
public import MeetProtocol
import Metrics
import NIOConcurrencyHelpers

/// meet-ws's side of the SFU control contract (``SFUControlType``): reads
/// the registry to place publishers, sends control requests to a node's
/// inbox `sfu:{nodeId}` over the bus with a timeout, and listens to the
/// nodes' events on ``SFUEventChannel/events`` (SFUGateway+Events.swift).
///
/// SFU channels and keys carry no `MEET_WS_KEY_PREFIX`: they belong to the
/// nodes, which serve every meet-ws cluster on the same Redis.
public struct SFUGateway: Sendable {
    let bus: any MessageBus
    let registry: any SFURegistry
    public let placement: SFUPlacement
    let timeout: Duration
    let metrics: WSMetrics
    let logger: Logger
    let ledger: PlacementLedger
    let nowMs: @Sendable () -> Int64
    /// Nodes leaving (draining or lost), as this replica's watcher sees them.
    public let departures: NodeDepartures
    /// Control requests awaiting a reply, bounded (`MEET_WS_SFU_MAX_IN_FLIGHT`).
    let inFlight: InFlightLimiter
    /// Where requests nobody waits for run (``bestEffort(_:_:node:)``).
    let detached: DetachedWork

    public init(
        bus: any MessageBus, registry: any SFURegistry, placement: SFUPlacement, timeout: Duration, metrics: WSMetrics,
        logger: Logger, nowMs: @escaping @Sendable () -> Int64 = { WSMetrics.nowMs() }, maxInFlight: Int = 512,
        detached: DetachedWork = .unstructured
    ) {
        self.bus = bus
        self.registry = registry
        self.placement = placement
        self.timeout = timeout
        self.metrics = metrics
        self.logger = logger
        self.ledger = PlacementLedger()
        self.nowMs = nowMs
        self.departures = NodeDepartures(staleAfterMs: placement.staleAfterMs)
        self.inFlight = InFlightLimiter(limit: maxInFlight)
        self.detached = detached
    }

    /// Chooses a node for a new publisher (see ``SFUPlacement``), never one
    /// known to be draining or lost, in `region` while it has a candidate.
    public func place(
        hint: String?, excluding: Set<String> = [], preferring preferred: String? = nil, region: String? = nil
    ) async throws(SFUFailure) -> SFUNodeRecord {
        let records: [SFUNodeRecord]
        do {
            records = try await self.registry.nodes()
        } catch {
            self.metrics.placementFailed(reason: "registry_unreadable")
            throw .unavailable("the media server registry could not be read; retry")
        }
        return try self.place(
            from: records, nowMs: self.nowMs(), hint: hint, excluding: excluding, preferring: preferred, region: region)
    }

    /// Placement over records already read (the node watcher's round).
    /// `countFailure: false` keeps a retried choice (a migration target
    /// looked for every watcher round) out of `meet_ws_placement_failures_total`.
    /// A node outside the asked region is counted in
    /// `meet_ws_placement_region_fallbacks_total`.
    public func place(
        from records: [SFUNodeRecord], nowMs now: Int64, hint: String? = nil, excluding: Set<String> = [],
        preferring preferred: String? = nil, region: String? = nil, countFailure: Bool = true
    ) throws(SFUFailure) -> SFUNodeRecord {
        let leaving = Set(self.departures.departed.keys)
        let records = self.departures.withStandIns(records, nowMs: now)
        do {
            let chosen = try self.placement.choose(
                from: records, nowMs: now, pending: self.ledger.pending(for: records), hint: hint,
                excluding: excluding.union(leaving), preferred: preferred, region: region)
            self.ledger.placed(on: chosen.id, atMs: now)
            if let region, chosen.region != region { self.metrics.placementRegionFallbacks.increment() }
            return chosen
        } catch {
            if countFailure { self.metrics.placementFailed(reason: error == .noServingNode ? "no_serving_node" : "hint_not_serving") }
            throw .placement(error)
        }
    }

    /// Sends one control request to a node and returns its reply.
    public func call<Body: Codable & Sendable, Reply: Codable & Sendable>(
        _ type: String, _ body: Body, node nodeId: String, as replyType: Reply.Type
    ) async throws(SFUFailure) -> Reply {
        // Sessions send one request at a time (a breakout scope change up to
        // BreakoutSubscriptions.concurrency), but detached best-effort closes
        // and many sessions add up: past the bound, fail at once.
        guard let count = self.inFlight.acquire() else {
            self.metrics.sfuRejected.increment()
            throw .saturated
        }
        self.metrics.sfuInFlight(count)
        defer { self.metrics.sfuInFlight(self.inFlight.release()) }
        do {
            return try await self.bus.request(
                type, body, to: BusChannel.sfuInbox(nodeId: nodeId), timeout: self.timeout, as: replyType)
        } catch {
            let failure = SFUFailure.from(error, nodeId: nodeId)
            self.logger.notice(
                "SFU request failed", metadata: ["type": "\(type)", "sfu.node": "\(nodeId)", "error": "\(failure)"])
            throw failure
        }
    }

    /// `sfu.close-participant` on each node, in parallel; failures are logged
    /// (a node that is gone has nothing left to close).
    public func closeParticipant(_ participantId: UUID, on nodes: Set<String>) async {
        await withTaskGroup(of: Void.self) { group in
            for node in nodes {
                group.addTask {
                    await self.bestEffort(
                        SFUControlType.closeParticipant, CloseParticipantRequest(participantId: participantId.uuidString.lowercased()),
                        node: node)
                }
            }
        }
    }

    /// A request whose answer does not matter (closing, retiring): awaited
    /// while the node is reachable, sent detached when the node is lost or
    /// missing from the registry, so nobody waits out the timeout of a dead
    /// node. Failures are only logged (by ``call(_:_:node:as:)``).
    public func bestEffort<Body: Codable & Sendable>(_ type: String, _ body: Body, node nodeId: String) async {
        if self.departures.isUnreachable(nodeId) {
            self.detached.start { _ = try? await self.call(type, body, node: nodeId, as: SFUCloseReply.self) }
        } else {
            _ = try? await self.call(type, body, node: nodeId, as: SFUCloseReply.self)
        }
    }
}

/// A counter of requests in flight with a ceiling.
final class InFlightLimiter: Sendable {
    let limit: Int
    private let count = NIOLockedValueBox(0)

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Takes a slot; nil when all `limit` are taken. Returns the new count.
    func acquire() -> Int? {
        self.count.withLockedValue { count in
            guard count < self.limit else { return nil }
            count += 1
            return count
        }
    }

    /// Frees a slot; returns the new count.
    @discardableResult
    func release() -> Int {
        self.count.withLockedValue { count in
            count = max(0, count - 1)
            return count
        }
    }
}

/// The placements this replica made lately, per node, so that placements
/// not yet reflected in a node's load figures still count (``SFUPlacement/score(_:pending:)``).
final class PlacementLedger: Sendable {
    private let placements = NIOLockedValueBox<[String: [Int64]]>([:])

    func placed(on nodeId: String, atMs now: Int64) {
        self.placements.withLockedValue { all in
            all[nodeId, default: []].append(now)
            // Keep a short history: records are rewritten every second or so.
            for (node, times) in all { all[node] = times.filter { now - $0 < 10_000 } }
        }
    }

    /// Placements on each node made after its record was written.
    func pending(for records: [SFUNodeRecord]) -> [String: Int] {
        self.placements.withLockedValue { all in
            var out: [String: Int] = [:]
            for record in records {
                out[record.id] = (all[record.id] ?? []).filter { $0 >= record.updatedAtMs }.count
            }
            return out
        }
    }
}
