import Foundation
public import MeetProtocol
public import MeetRedis
import NIOConcurrencyHelpers

/// The SFU node registry as meet-ws reads it (a port): every registered
/// node's latest ``SFUNodeRecord``. The nodes write it (meet-sfu's
/// `NodeRegistry`); meet-ws only reads, to place publishers.
public protocol SFURegistry: Sendable {
    /// Every record that still exists (stale ones included: placement filters).
    func nodes() async throws -> [SFUNodeRecord]
    /// Which of these nodes still listen on their bus inbox
    /// (``BusChannel/sfuInbox(nodeId:)``): a process that is alive, however
    /// late its heartbeats, keeps that subscription; a crashed one loses it
    /// with its connections.
    func listening(_ nodeIds: [String]) async throws -> Set<String>
}

/// ``SFURegistry`` in Redis: the set ``SFURegistryKeys/nodes`` and one JSON
/// record per node (``SFURegistryKeys/node(_:)``), read with one `SMEMBERS`
/// and one `MGET`. These keys are the nodes' and carry no
/// `MEET_WS_KEY_PREFIX`: every meet-ws cluster on a Redis sees the same nodes.
public struct RedisSFURegistry: SFURegistry {
    let redis: RedisClient

    public init(redis: RedisClient) {
        self.redis = redis
    }

    public func nodes() async throws -> [SFUNodeRecord] {
        let ids = try await self.redis.smembers(SFURegistryKeys.nodes).sorted()
        guard !ids.isEmpty else { return [] }
        let reply = try await self.redis.send(RedisCommand("MGET", ids.map(SFURegistryKeys.node)))
        // A member whose record expired reads as nil; an unreadable record is skipped, never fatal.
        return (reply.array ?? []).compactMap { value in
            guard let bytes = value.bytes, !bytes.isEmpty else { return nil }
            return try? JSONDecoder().decode(SFUNodeRecord.self, from: Data(bytes))
        }
    }

    /// One `PUBSUB NUMSUB` for the nodes' inbox channels.
    public func listening(_ nodeIds: [String]) async throws -> Set<String> {
        guard !nodeIds.isEmpty else { return [] }
        let reply = try await self.redis.send(RedisCommand("PUBSUB", ["NUMSUB"] + nodeIds.map(BusChannel.sfuInbox)))
        let items = reply.array ?? []
        var listening: Set<String> = []
        for (index, nodeId) in nodeIds.enumerated() where items.indices.contains(2 * index + 1) {
            if (items[2 * index + 1].integer ?? 0) > 0 { listening.insert(nodeId) }
        }
        return listening
    }
}

/// ``SFURegistry`` in memory, for tests: records set by hand, and reads
/// that can be made to fail (Redis down).
public final class InMemorySFURegistry: SFURegistry {
    private let records = NIOLockedValueBox<[String: SFUNodeRecord]>([:])
    private let failing = NIOLockedValueBox(false)

    /// The error of a failed read.
    public struct Unreachable: Error {}

    /// While set, ``nodes()`` throws ``Unreachable``.
    public func setFailing(_ failing: Bool) {
        self.failing.withLockedValue { $0 = failing }
    }

    public init(_ records: [SFUNodeRecord] = []) {
        for record in records { self.set(record) }
    }

    public func set(_ record: SFUNodeRecord) {
        self.records.withLockedValue { $0[record.id] = record }
    }

    public func remove(_ id: String) {
        self.records.withLockedValue { $0[id] = nil }
    }

    public func nodes() async throws -> [SFUNodeRecord] {
        if self.failing.withLockedValue({ $0 }) { throw Unreachable() }
        return self.records.withLockedValue { $0.values.sorted { $0.id < $1.id } }
    }

    private let listeners = NIOLockedValueBox<Set<String>>([])

    /// Whether the node listens on its inbox (none does unless set: a
    /// removed or stale record then reads as a crash).
    public func setListening(_ nodeId: String, _ listening: Bool) {
        self.listeners.withLockedValue { if listening { $0.insert(nodeId) } else { $0.remove(nodeId) } }
    }

    public func listening(_ nodeIds: [String]) async throws -> Set<String> {
        if self.failing.withLockedValue({ $0 }) { throw Unreachable() }
        return self.listeners.withLockedValue { $0.intersection(nodeIds) }
    }
}
