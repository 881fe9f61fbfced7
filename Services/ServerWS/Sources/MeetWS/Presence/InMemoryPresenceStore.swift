public import Foundation
public import MeetProtocol

/// ``PresenceStore`` in one process, on ``PresenceTable``, with an injected clock.
public actor InMemoryPresenceStore: PresenceStore {
    private var table = PresenceTable()
    private let nowMs: @Sendable () -> Int64

    public init(nowMs: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }) {
        self.nowMs = nowMs
    }

    public func join(meetingId: UUID, record: PresenceRecord, ttl: Duration) -> PresenceJoin {
        self.table.join(meetingId: meetingId, record: record, ttlMs: ttl.milliseconds, nowMs: self.nowMs())
    }

    /// Nothing is ever lost in memory, so nothing is written back.
    @discardableResult
    public func heartbeat(_ entries: [PresenceKey], ttl: Duration) -> [(meetingId: UUID, record: PresenceRecord)] {
        self.table.heartbeat(entries, ttlMs: ttl.milliseconds, nowMs: self.nowMs())
        return []
    }

    public func disconnect(_ key: PresenceKey, connectionId: UUID, grace: Duration) -> Bool {
        self.table.disconnect(key, connectionId: connectionId, graceMs: grace.milliseconds, nowMs: self.nowMs())
    }

    public func replace(meetingId: UUID, record: PresenceRecord) -> Bool {
        self.table.replace(meetingId: meetingId, record: record)
    }

    public func remove(_ key: PresenceKey) -> PresenceRecord? { self.table.remove(key) }
    public func removeAll(meetingId: UUID) -> [PresenceRecord] { self.table.removeAll(meetingId: meetingId) }
    public func get(_ key: PresenceKey) -> PresenceRecord? { self.table.get(key) }
    public func list(meetingId: UUID) -> [PresenceRecord] { self.table.list(meetingId: meetingId) }

    public func sweep(limit: Int) -> [(meetingId: UUID, record: PresenceRecord)] {
        self.table.sweep(nowMs: self.nowMs(), limit: limit)
    }
}

extension Duration {
    /// Whole milliseconds (at least 1), as Redis `PX` and the presence scores use.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = self.components
        return max(1, seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }
}
