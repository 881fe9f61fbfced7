import Foundation
import MeetProtocol
import MeetRedis

/// ``PresenceStore`` in Redis, shared by every replica.
///
/// Layout (with the optional key prefix `p`):
/// - `{p}presence:{meetingId}`: hash, field = participant id (lower case),
///   value = ``PresenceRecord`` JSON;
/// - `{p}presence-expiry`: sorted set over all meetings, member =
///   `meetingId/participantId`, score = expiry in Redis-clock milliseconds.
///
/// Redis 7.0 has no per-field hash expiry, hence the index: any replica's
/// sweep pops expired members atomically (``RedisPresenceScripts/sweep``),
/// so a dead replica's participants are removed, and announced, once.
public struct RedisPresenceStore: PresenceStore {
    let redis: RedisClient
    let keys: SignalingKeys

    public init(redis: RedisClient, keys: SignalingKeys) {
        self.redis = redis
        self.keys = keys
    }

    private static func field(_ id: UUID) -> String { id.uuidString.lowercased() }

    private static func encode(_ record: PresenceRecord) throws -> String {
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
            keys: [self.keys.presence(meetingId), self.keys.presenceIndex],
            arguments: [Self.field(record.participant.id), try Self.encode(record), key.member, String(ttl.milliseconds)]
        )
        guard let parts = reply.array, parts.count == 2, let stored = Self.decode(parts[1]) else {
            throw RedisClientError.unexpectedReply("\(reply)")
        }
        return PresenceJoin(previous: Self.decode(parts[0]), stored: stored)
    }

    public func heartbeat(_ entries: [PresenceKey], ttl: Duration) async throws {
        // Chunked so one script call stays small however many sockets a replica holds.
        for chunk in stride(from: 0, to: entries.count, by: 500).map({ entries[$0..<min($0 + 500, entries.count)] }) {
            _ = try await self.redis.evaluate(
                RedisPresenceScripts.heartbeat, keys: [self.keys.presenceIndex],
                arguments: [String(ttl.milliseconds)] + chunk.map(\.member)
            )
        }
    }

    public func disconnect(_ key: PresenceKey, connectionId: UUID, grace: Duration) async throws -> Bool {
        let reply = try await self.redis.evaluate(
            RedisPresenceScripts.disconnect,
            keys: [self.keys.presence(key.meetingId), self.keys.presenceIndex],
            arguments: [Self.field(key.participantId), connectionId.uuidString, key.member, String(grace.milliseconds)]
        )
        return reply.integer == 1
    }

    public func replace(meetingId: UUID, record: PresenceRecord) async throws -> Bool {
        let reply = try await self.redis.evaluate(
            RedisPresenceScripts.replace, keys: [self.keys.presence(meetingId)],
            arguments: [Self.field(record.participant.id), record.connectionId.uuidString, try Self.encode(record)]
        )
        return reply.integer == 1
    }

    public func remove(_ key: PresenceKey) async throws -> PresenceRecord? {
        let reply = try await self.redis.evaluate(
            RedisPresenceScripts.remove,
            keys: [self.keys.presence(key.meetingId), self.keys.presenceIndex],
            arguments: [Self.field(key.participantId), key.member]
        )
        return Self.decode(reply)
    }

    public func removeAll(meetingId: UUID) async throws -> [PresenceRecord] {
        let reply = try await self.redis.evaluate(
            RedisPresenceScripts.removeAll,
            keys: [self.keys.presence(meetingId), self.keys.presenceIndex],
            arguments: [Self.field(meetingId)]
        )
        return (reply.array ?? []).compactMap(Self.decode)
    }

    public func get(_ key: PresenceKey) async throws -> PresenceRecord? {
        let reply = try await self.redis.send("HGET", self.keys.presence(key.meetingId), Self.field(key.participantId))
        return Self.decode(reply)
    }

    public func list(meetingId: UUID) async throws -> [PresenceRecord] {
        let values = try await self.redis.hgetall(self.keys.presence(meetingId)).values
        return values.compactMap { try? JSONDecoder().decode(PresenceRecord.self, from: Data($0.utf8)) }
            .sorted { $0.participant.id.uuidString < $1.participant.id.uuidString }
    }

    public func sweep(limit: Int) async throws -> [(meetingId: UUID, record: PresenceRecord)] {
        let reply = try await self.redis.evaluate(
            RedisPresenceScripts.sweep, keys: [self.keys.presenceIndex],
            arguments: [self.keys.presencePrefix, String(limit)]
        )
        let items = reply.array ?? []
        var out: [(meetingId: UUID, record: PresenceRecord)] = []
        for index in stride(from: 0, to: items.count - 1, by: 2) {
            guard let member = items[index].string, let key = PresenceKey(member: member),
                let record = Self.decode(items[index + 1])
            else { continue }
            out.append((key.meetingId, record))
        }
        return out
    }
}

/// Every Redis key and channel name meet-ws uses, in one place.
public struct SignalingKeys: Sendable {
    /// Prepended to everything (`MEET_WS_KEY_PREFIX`); empty in production.
    public let prefix: String

    public init(prefix: String) {
        self.prefix = prefix.isEmpty || prefix.hasSuffix(":") ? prefix : prefix + ":"
    }

    public var presencePrefix: String { "\(self.prefix)presence:" }
    public func presence(_ meetingId: UUID) -> String { self.presencePrefix + meetingId.uuidString.lowercased() }
    public var presenceIndex: String { "\(self.prefix)presence-expiry" }
    /// The room channel every replica with sockets in the room subscribes to (``BusChannel/room(_:)``).
    public func room(_ meetingId: UUID) -> String { self.prefix + BusChannel.room(meetingId.uuidString.lowercased()) }
    /// A replica's inbox channel (``BusChannel/wsInbox(replicaId:)``).
    public func inbox(_ replicaId: String) -> String { self.prefix + BusChannel.wsInbox(replicaId: replicaId) }
}
