public import Foundation
public import Logging
public import MeetProtocol
public import MeetRedis
import Metrics
import NIOConcurrencyHelpers

/// ``PresenceStore`` in Redis, shared by every replica.
///
/// Layout (with the optional key prefix `p`):
/// - `{p}presence:{meetingId}`: hash, field = participant id (lower case),
///   value = ``PresenceRecord`` JSON;
/// - `{p}presence-expiry`: sorted set over all meetings, member =
///   `meetingId/participantId`, score = expiry in Redis-clock milliseconds.
///
/// - `{p}presence-epoch`: a random token, recreated when missing; a new
///   one means Redis was emptied (see ``PresenceLedger``).
///
/// Redis 7.0 has no per-field hash expiry, hence the index: any replica's
/// sweep pops expired members atomically (``RedisPresenceScripts/sweep``),
/// so a dead replica's participants are removed, and announced, once.
///
/// Each instance (one per replica) keeps a ``PresenceLedger`` of the entries
/// its own sockets wrote, and its heartbeat writes back those a Redis
/// restart lost (``heartbeat(_:ttl:)``); ``resets()`` makes that happen as
/// soon as the client reconnects.
public struct RedisPresenceStore: PresenceStore {
    let redis: RedisClient
    let keys: SignalingKeys
    let ledger: NIOLockedValueBox<PresenceLedger>
    let nowMs: @Sendable () -> Int64
    let logger: Logger
    let restored: Counter
    let stalls: Counter
    /// The presence TTL: what a stalled Redis gives every entry afresh.
    let ttl: Duration
    /// A gap between two sweeps (any replica's) longer than this means Redis
    /// stalled (``RedisPresenceScripts/sweep``).
    let stallAfter: Duration

    /// - Parameters:
    ///   - ttl: the presence TTL (`MEET_WS_PRESENCE_TTL_SECONDS`).
    ///   - stallAfter: see ``WSConfiguration/presenceStallAfter``; it must be
    ///     shorter than the least TTL an entry has left between heartbeats
    ///     (two thirds of it) and longer than the sweep interval.
    public init(
        redis: RedisClient, keys: SignalingKeys, logger: Logger = Logger(label: "meet.ws.presence"),
        ttl: Duration = .seconds(15), stallAfter: Duration = .seconds(5),
        nowMs: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
    ) {
        self.redis = redis
        self.keys = keys
        self.ledger = NIOLockedValueBox(PresenceLedger())
        self.nowMs = nowMs
        self.logger = logger
        self.ttl = ttl
        self.stallAfter = stallAfter
        self.restored = Counter(label: "meet_ws_presence_restored_total")
        self.stalls = Counter(label: "meet_ws_presence_stalls_total")
    }

    static func field(_ id: UUID) -> String { id.uuidString.lowercased() }

    static func encode(_ record: PresenceRecord) throws -> String {
        String(decoding: try JSONEncoder().encode(record), as: UTF8.self)
    }

    private static func decode(_ value: RESPValue) -> PresenceRecord? {
        guard let bytes = value.bytes, !bytes.isEmpty else { return nil }
        return try? JSONDecoder().decode(PresenceRecord.self, from: Data(bytes))
    }

    public func join(meetingId: UUID, record: PresenceRecord, ttl: Duration) async throws -> PresenceJoin {
        let key = PresenceKey(meetingId: meetingId, participantId: record.participant.id)
        let reply = try await self.redis.evaluate(
            RedisPresenceScripts.join,
            keys: [self.keys.presence(meetingId), self.keys.presenceIndex, self.keys.presenceEpoch],
            arguments: [
                Self.field(record.participant.id), try Self.encode(record), key.member, String(ttl.milliseconds),
                UUID().uuidString,
            ]
        )
        guard let parts = reply.array, parts.count == 3, let stored = Self.decode(parts[1]), let epoch = parts[2].string
        else {
            throw RedisClientError.unexpectedReply("\(reply)")
        }
        self.ledger.withLockedValue { $0.joined(meetingId: meetingId, stored: stored, epoch: epoch) }
        return PresenceJoin(previous: Self.decode(parts[0]), stored: stored)
    }

    public func disconnect(_ key: PresenceKey, connectionId: UUID, grace: Duration) async throws -> Bool {
        let graceEnds = self.nowMs() + grace.milliseconds
        let reply = try await self.redis.evaluate(
            RedisPresenceScripts.disconnect,
            keys: [self.keys.presence(key.meetingId), self.keys.presenceIndex],
            arguments: [Self.field(key.participantId), connectionId.uuidString, key.member, String(grace.milliseconds)]
        )
        let applied = reply.integer == 1
        self.ledger.withLockedValue { ledger in
            if applied {
                ledger.disconnected(key, connectionId: connectionId, graceEndsAtMs: graceEnds)
            } else if ledger.entries[key]?.record.connectionId == connectionId {
                ledger.removed(key)  // gone or taken over: nothing of ours to keep
            }
        }
        return applied
    }

    public func replace(meetingId: UUID, record: PresenceRecord) async throws -> Bool {
        let reply = try await self.redis.evaluate(
            RedisPresenceScripts.replace, keys: [self.keys.presence(meetingId)],
            arguments: [Self.field(record.participant.id), record.connectionId.uuidString, try Self.encode(record)]
        )
        let applied = reply.integer == 1
        if applied { self.ledger.withLockedValue { $0.observed(meetingId: meetingId, record: record) } }
        return applied
    }

    public func remove(_ key: PresenceKey) async throws -> PresenceRecord? {
        let reply = try await self.redis.evaluate(
            RedisPresenceScripts.remove,
            keys: [self.keys.presence(key.meetingId), self.keys.presenceIndex],
            arguments: [Self.field(key.participantId), key.member]
        )
        self.ledger.withLockedValue { $0.removed(key) }
        return Self.decode(reply)
    }

    public func removeAll(meetingId: UUID) async throws -> [PresenceRecord] {
        let reply = try await self.redis.evaluate(
            RedisPresenceScripts.removeAll,
            keys: [self.keys.presence(meetingId), self.keys.presenceIndex],
            arguments: [Self.field(meetingId)]
        )
        self.ledger.withLockedValue { $0.removedAll(meetingId: meetingId) }
        return (reply.array ?? []).compactMap(Self.decode)
    }

    public func get(_ key: PresenceKey) async throws -> PresenceRecord? {
        let reply = try await self.redis.send("HGET", self.keys.presence(key.meetingId), Self.field(key.participantId))
        let record = Self.decode(reply)
        if let record { self.ledger.withLockedValue { $0.observed(meetingId: key.meetingId, record: record) } }
        return record
    }

    public func list(meetingId: UUID) async throws -> [PresenceRecord] {
        let values = try await self.redis.hgetall(self.keys.presence(meetingId)).values
        let records = values.compactMap { try? JSONDecoder().decode(PresenceRecord.self, from: Data($0.utf8)) }
            .sorted { $0.participant.id.uuidString < $1.participant.id.uuidString }
        // Reads keep the ledger current with changes other replicas made (a host admitting).
        self.ledger.withLockedValue { ledger in
            for record in records { ledger.observed(meetingId: meetingId, record: record) }
        }
        return records
    }

    public func sweep(limit: Int) async throws -> [(meetingId: UUID, record: PresenceRecord)] {
        let reply = try await self.redis.evaluate(
            RedisPresenceScripts.sweep, keys: [self.keys.presenceIndex, self.keys.presenceSweepClock],
            arguments: [self.keys.presencePrefix, String(limit), String(self.stallAfter.milliseconds),
                        String(self.ttl.milliseconds)]
        )
        let items = reply.array ?? []
        if items.count == 3, items[0].string == "stalled" {
            self.stalls.increment()
            self.logger.notice(
                "redis ran no sweep for longer than the stall limit (frozen or unreachable): expiring nobody, every entry gets a fresh TTL",
                metadata: ["gap.ms": "\(items[1].string ?? "?")", "entries": "\(items[2].string ?? "?")"])
            return []
        }
        var out: [(meetingId: UUID, record: PresenceRecord)] = []
        for index in stride(from: 0, to: items.count - 1, by: 2) {
            guard let member = items[index].string, let key = PresenceKey(member: member),
                let record = Self.decode(items[index + 1])
            else { continue }
            out.append((key.meetingId, record))
            self.ledger.withLockedValue { ledger in
                if ledger.entries[key]?.record.connectionId == record.connectionId { ledger.removed(key) }
            }
        }
        return out
    }
}

/// Every Redis key and channel name meet-ws uses, in one place.
public struct SignalingKeys: Sendable {
    /// Prepended to everything (`MEET_WS_KEY_PREFIX`); empty in production.
    public let prefix: String

    /// The room channels, shared with meet-api (MeetProtocol's ``RoomChannels``).
    public let rooms: RoomChannels

    public init(prefix: String) {
        self.rooms = RoomChannels(prefix: prefix)
        self.prefix = self.rooms.prefix
    }

    public var presencePrefix: String { "\(self.prefix)presence:" }
    public func presence(_ meetingId: UUID) -> String { self.presencePrefix + meetingId.uuidString.lowercased() }
    public var presenceIndex: String { "\(self.prefix)presence-expiry" }
    /// The store epoch (``PresenceLedger``): recreated when a restart lost it.
    public var presenceEpoch: String { "\(self.prefix)presence-epoch" }
    /// The Redis time of the last sweep, to tell a stalled Redis (``RedisPresenceScripts/sweep``).
    public var presenceSweepClock: String { "\(self.prefix)presence-sweep-clock" }
    /// The room channel every replica with sockets in the room subscribes to (``BusChannel/room(_:)``).
    public func room(_ meetingId: UUID) -> String { self.rooms.channel(meetingId) }
    /// A replica's inbox channel (``BusChannel/wsInbox(replicaId:)``).
    public func inbox(_ replicaId: String) -> String { self.prefix + BusChannel.wsInbox(replicaId: replicaId) }
    /// A user's channel, shared with meet-api (MeetProtocol's ``UserChannels``).
    public func user(_ userId: UUID) -> String { UserChannels(prefix: self.prefix).channel(userId) }
}
