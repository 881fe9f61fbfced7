public import Foundation
import Logging
public import MeetProtocol
import MeetRedis
import Metrics
import NIOConcurrencyHelpers

extension RedisPresenceStore {
    /// Pushes the expiry of these (connected, local) entries forward, and
    /// writes back what a Redis restart lost: this replica's connected
    /// sockets and its dropped sockets still in their resume grace
    /// (``PresenceLedger/afterHeartbeat(named:missing:epoch:ttlMs:nowMs:)``).
    /// Entries removed on purpose stay removed. Returns those written back.
    @discardableResult
    public func heartbeat(_ entries: [PresenceKey], ttl: Duration) async throws -> [(meetingId: UUID, record: PresenceRecord)] {
        let ttlMs = ttl.milliseconds
        if entries.isEmpty && self.ledger.withLockedValue({ $0.entries.isEmpty }) { return [] }
        var epoch = ""
        var missing = Set<PresenceKey>()
        // Chunked so one script call stays small however many sockets a replica holds;
        // an empty heartbeat still reads the epoch, for the dropped sockets' sake.
        let chunks = entries.isEmpty
            ? [[]] : stride(from: 0, to: entries.count, by: 500).map { Array(entries[$0..<min($0 + 500, entries.count)]) }
        for chunk in chunks {
            let reply: RESPValue
            do {
                reply = try await self.redis.evaluate(
                    RedisPresenceScripts.heartbeat, keys: [self.keys.presenceIndex, self.keys.presenceEpoch],
                    arguments: [String(ttlMs), UUID().uuidString] + chunk.map(\.member)
                )
            } catch {
                self.ledger.withLockedValue { $0.heartbeatFailed() }
                throw error
            }
            guard let items = reply.array, let found = items.first?.string else {
                throw RedisClientError.unexpectedReply("\(reply)")
            }
            epoch = found
            for item in items.dropFirst() {
                if let member = item.string, let key = PresenceKey(member: member) { missing.insert(key) }
            }
        }
        let restores = self.ledger.withLockedValue {
            $0.afterHeartbeat(named: entries, missing: missing, epoch: epoch, ttlMs: ttlMs, nowMs: self.nowMs())
        }
        guard !restores.isEmpty else { return [] }
        return try await self.restore(restores)
    }

    /// Yields when the Redis client (re)connects: the maintenance then runs
    /// the heartbeat at once, so what a restart lost is back within moments
    /// of Redis, not at the next TTL/3 tick.
    public func resets() -> AsyncStream<Void> {
        self.redis.connectionEvents()
    }

    private func restore(_ restores: [PresenceLedger.Restore]) async throws -> [(meetingId: UUID, record: PresenceRecord)] {
        var arguments = [self.keys.presencePrefix]
        for restore in restores {
            arguments += [
                Self.field(restore.meetingId), Self.field(restore.record.participant.id), try Self.encode(restore.record),
                String(max(1, restore.ttlMs)), restore.overwrite ? "1" : "0",
            ]
        }
        let reply = try await self.redis.evaluate(
            RedisPresenceScripts.restore, keys: [self.keys.presenceIndex], arguments: arguments)
        let written = (reply.array ?? []).compactMap { $0.integer }.compactMap { position in
            restores.indices.contains(Int(position) - 1) ? restores[Int(position) - 1] : nil
        }
        self.restored.increment(by: written.count)
        self.logger.notice(
            "presence restored after Redis lost it",
            metadata: [
                "entries": "\(written.count)", "connected": "\(written.filter(\.overwrite).count)",
                "dropped": "\(written.filter { !$0.overwrite }.count)",
            ])
        return written.map { ($0.meetingId, $0.record) }
    }
}
