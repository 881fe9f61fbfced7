import Foundation
import Logging
import MeetProtocol
import MeetRedis
import NIOConcurrencyHelpers

/// meet-ws's side of the SFU control contract (``SFUControlType``): reads
/// the registry to place publishers, sends control requests to a node's
/// inbox `sfu:{nodeId}` over the bus with a timeout, and listens to the
/// nodes' events on ``SFUEventChannel/events``.
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

    public init(
        bus: any MessageBus, registry: any SFURegistry, placement: SFUPlacement, timeout: Duration, metrics: WSMetrics,
        logger: Logger, nowMs: @escaping @Sendable () -> Int64 = { WSMetrics.nowMs() }
    ) {
        self.bus = bus
        self.registry = registry
        self.placement = placement
        self.timeout = timeout
        self.metrics = metrics
        self.logger = logger
        self.ledger = PlacementLedger()
        self.nowMs = nowMs
    }

    /// Chooses a node for a new publisher (see ``SFUPlacement``).
    public func place(hint: String?, excluding: Set<String> = []) async throws(SFUFailure) -> SFUNodeRecord {
        let records: [SFUNodeRecord]
        do {
            records = try await self.registry.nodes()
        } catch {
            self.metrics.placementFailed(reason: "registry_unreadable")
            throw .unavailable("the media server registry could not be read; retry")
        }
        let now = self.nowMs()
        do {
            let chosen = try self.placement.choose(
                from: records, nowMs: now, pending: self.ledger.pending(for: records), hint: hint, excluding: excluding)
            self.ledger.placed(on: chosen.id, atMs: now)
            return chosen
        } catch {
            self.metrics.placementFailed(reason: error == .noServingNode ? "no_serving_node" : "hint_not_serving")
            throw .placement(error)
        }
    }

    /// Sends one control request to a node and returns its reply.
    public func call<Body: Codable & Sendable, Reply: Codable & Sendable>(
        _ type: String, _ body: Body, node nodeId: String, as replyType: Reply.Type
    ) async throws(SFUFailure) -> Reply {
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
                    _ = try? await self.call(
                        SFUControlType.closeParticipant, CloseParticipantRequest(participantId: participantId.uuidString.lowercased()),
                        node: node, as: SFUCloseReply.self)
                }
            }
        }
    }

    /// Transport-closed events from every node, from now on.
    public func events() async throws -> SignalingSubscription<SFUTransportClosedEvent> {
        let subscription = try await self.bus.subscribe(to: SFUEventChannel.events)
        let (stream, continuation) = AsyncStream.makeStream(of: SFUTransportClosedEvent.self)
        let logger = self.logger
        let pump = Task {
            for await message in subscription where message.type == SFUTransportClosedEvent.type {
                do {
                    continuation.yield(try message.decode(SFUTransportClosedEvent.self))
                } catch {
                    logger.warning("undecodable SFU event", metadata: ["error": "\(error)"])
                }
            }
            continuation.finish()
        }
        return SignalingSubscription(messages: stream) {
            subscription.cancel()
            pump.cancel()
            continuation.finish()
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
