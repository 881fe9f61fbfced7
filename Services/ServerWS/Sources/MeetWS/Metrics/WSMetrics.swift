import Foundation
public import MeetProtocol
public import Metrics
import NIOConcurrencyHelpers

/// meet-ws's metrics, with handles created once (swift-metrics lookups lock
/// and allocate; a cached handle does neither).
///
/// - `meet_ws_sockets_open` (gauge): sockets currently open on this replica;
/// - `meet_ws_messages_in_total{type}` / `meet_ws_messages_out_total{type}`:
///   frames by message type (`invalid` for undecodable input); the type set
///   is fixed, so cardinality is bounded;
/// - `meet_ws_bus_latency_seconds{channel}` (histogram): publish-to-receive
///   time of bus messages (`room` or `inbox`), from the publisher's timestamp;
/// - `meet_ws_presence_expired_total`: participants removed by the sweep;
/// - `meet_ws_publishes_total{result}` / `meet_ws_subscribes_total{result}`:
///   `publish` and `subscribe` requests by outcome (`ok`, `error`);
/// - `meet_ws_placement_failures_total{reason}`: publishes that found no
///   node (`no_serving_node`, `hint_not_serving`, `registry_unreadable`) or
///   whose chosen node refused or was gone (`node_draining`, `node_gone`; a
///   second placement is tried then);
/// - `meet_ws_migrations_total{reason, role}`: `migrate` instructions sent
///   to this replica's clients, by reason (`node_draining`, `node_lost`,
///   `publisher_moved`) and role (`publisher`, `subscriber`);
/// - `meet_ws_sfu_nodes_lost_total`: SFU nodes this replica declared lost
///   (seen fresh, then missing or stale; each once).
///
/// Limits (docs/signaling.md "Limits", docs/operations.md):
/// - `meet_ws_closed_too_slow_total`: sessions closed with 1008 because
///   their queue of events to send passed its bound;
/// - `meet_ws_timeouts_total{kind}`: connections closed by a deadline:
///   `handshake` (no complete request in time), `join` (no `join` in time,
///   4408), `write` (the client did not read for the write timeout);
/// - `meet_ws_connections_refused_total`: connections closed at accept by
///   the per-address limit;
/// - `meet_ws_sfu_requests_in_flight` (gauge) and
///   `meet_ws_sfu_requests_rejected_total`: SFU control requests awaiting a
///   reply, and those refused because `MEET_WS_SFU_MAX_IN_FLIGHT` were.
public final class WSMetrics: Sendable {
    private let socketsGauge = Gauge(label: "meet_ws_sockets_open")
    private let sockets = NIOLockedValueBox(0)
    private let inbound: [String: Counter]
    private let outbound: [String: Counter]
    private let roomLatency = Timer(label: "meet_ws_bus_latency_seconds", dimensions: [("channel", "room")], preferredDisplayUnit: .seconds)
    private let inboxLatency = Timer(label: "meet_ws_bus_latency_seconds", dimensions: [("channel", "inbox")], preferredDisplayUnit: .seconds)
    public let expired = Counter(label: "meet_ws_presence_expired_total")
    private let publishes: [Bool: Counter] = [
        true: Counter(label: "meet_ws_publishes_total", dimensions: [("result", "ok")]),
        false: Counter(label: "meet_ws_publishes_total", dimensions: [("result", "error")]),
    ]
    private let subscribes: [Bool: Counter] = [
        true: Counter(label: "meet_ws_subscribes_total", dimensions: [("result", "ok")]),
        false: Counter(label: "meet_ws_subscribes_total", dimensions: [("result", "error")]),
    ]
    private let placementFailures: [String: Counter] = Dictionary(
        uniqueKeysWithValues: ["no_serving_node", "hint_not_serving", "registry_unreadable", "node_draining", "node_gone"].map {
            ($0, Counter(label: "meet_ws_placement_failures_total", dimensions: [("reason", $0)]))
        })

    private let migrations: [String: Counter] = Dictionary(
        uniqueKeysWithValues: MigrateReason.allCases.flatMap { reason in
            ["publisher", "subscriber"].map { role in
                ("\(reason.rawValue)/\(role)",
                 Counter(label: "meet_ws_migrations_total", dimensions: [("reason", reason.rawValue), ("role", role)]))
            }
        })
    public let nodesLost = Counter(label: "meet_ws_sfu_nodes_lost_total")
    /// Reactions fanned out to rooms (issue #21).
    public let reactions = Counter(label: "meet_ws_reactions_total")
    /// Whiteboard ops by outcome: `applied`, or why one was refused
    /// (`hosts_only`, `locked`, `full`, `no_target`); a steady `full` means
    /// boards at `MEET_WS_WHITEBOARD_MAX_*` that nobody clears.
    private let whiteboardOps: [String: Counter] = Dictionary(
        uniqueKeysWithValues: ["applied", "hosts_only", "locked", "full", "no_target"].map {
            ($0, Counter(label: "meet_ws_whiteboard_ops_total", dimensions: [("result", $0)]))
        })
    /// Publishers placed outside the region they asked for (it had no serving node).
    public let placementRegionFallbacks = Counter(label: "meet_ws_placement_region_fallbacks_total")
    /// Chat messages stored and acknowledged whose fan-out failed (the outbox delivers them).
    public let chatDeferred = Counter(label: "meet_ws_chat_deferred_total")
    /// Chat messages the outbox sweep delivered late.
    public let chatRedelivered = Counter(label: "meet_ws_chat_outbox_delivered_total")
    /// Chat messages fetched from PostgreSQL after this replica's bus
    /// subscriptions were cut off (delivered unless they had arrived anyway).
    public let chatReplayed = Counter(label: "meet_ws_chat_replayed_total")
    /// Chat messages that reached this replica a second time and were not delivered again.
    public let chatDuplicates = Counter(label: "meet_ws_chat_duplicates_total")

    /// A deadline that closes a connection (`meet_ws_timeouts_total{kind}`).
    public enum Deadline: String, CaseIterable, Sendable { case handshake, join, write }
    private let tooSlow = Counter(label: "meet_ws_closed_too_slow_total")
    private let timeouts: [Deadline: Counter] = Dictionary(
        uniqueKeysWithValues: Deadline.allCases.map { ($0, Counter(label: "meet_ws_timeouts_total", dimensions: [("kind", $0.rawValue)])) })
    private let refused = Counter(label: "meet_ws_connections_refused_total")
    private let sfuInFlightGauge = Gauge(label: "meet_ws_sfu_requests_in_flight")
    public let sfuRejected = Counter(label: "meet_ws_sfu_requests_rejected_total")

    public init() {
        var inbound: [String: Counter] = [:]
        for type in ClientMessage.allTypes + ["invalid"] {
            inbound[type] = Counter(label: "meet_ws_messages_in_total", dimensions: [("type", type)])
        }
        var outbound: [String: Counter] = [:]
        for type in ServerMessage.allTypes {
            outbound[type] = Counter(label: "meet_ws_messages_out_total", dimensions: [("type", type)])
        }
        self.inbound = inbound
        self.outbound = outbound
        self.socketsGauge.record(0)
        self.sfuInFlightGauge.record(0)
    }

    public func socketOpened() { self.adjustSockets(by: 1) }
    public func socketClosed() { self.adjustSockets(by: -1) }

    private func adjustSockets(by delta: Int) {
        let value = self.sockets.withLockedValue { count in
            count += delta
            return count
        }
        self.socketsGauge.record(value)
    }

    public func received(type: String?) {
        (type.flatMap { self.inbound[$0] } ?? self.inbound["invalid"])?.increment()
    }

    public func sent(type: String) {
        self.outbound[type]?.increment()
    }

    public func published(ok: Bool) { self.publishes[ok]?.increment() }
    /// A whiteboard op stored (`refusal` nil) or refused.
    public func whiteboardOp(refused refusal: WhiteboardRefusal?) {
        let result = switch refusal {
        case nil: "applied"
        case .hostsOnly?: "hosts_only"
        case .locked?: "locked"
        case .full?: "full"
        case .noTarget?: "no_target"
        }
        self.whiteboardOps[result]?.increment()
    }
    public func subscribed(ok: Bool) { self.subscribes[ok]?.increment() }
    /// `reason` is one of the fixed set above (others are dropped, keeping cardinality bounded).
    public func placementFailed(reason: String) { self.placementFailures[reason]?.increment() }

    /// One `migrate` sent to a client (`publisher`: its own publication; else a subscription).
    public func migration(_ reason: MigrateReason, publisher: Bool) {
        self.migrations["\(reason.rawValue)/\(publisher ? "publisher" : "subscriber")"]?.increment()
    }

    public func closedTooSlow() { self.tooSlow.increment() }
    public func timedOut(_ deadline: Deadline) { self.timeouts[deadline]?.increment() }
    public func connectionRefused() { self.refused.increment() }
    public func sfuInFlight(_ count: Int) { self.sfuInFlightGauge.record(count) }

    /// Records how long a bus message took, from the publisher's clock.
    public func busLatency(sentAtMs: Int64, inbox: Bool) {
        let nowMs = Int64(Date().timeIntervalSince1970 * 1000)
        let elapsed = max(0, nowMs - sentAtMs)
        (inbox ? self.inboxLatency : self.roomLatency).recordMilliseconds(elapsed)
    }

    /// Milliseconds since 1970, the bus timestamp format.
    public static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
