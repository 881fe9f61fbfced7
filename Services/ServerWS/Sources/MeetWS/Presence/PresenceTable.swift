public import Foundation
public import MeetProtocol

/// Presence rules as a plain value with the time passed in: the reference
/// the Redis Lua scripts implement, and the engine of
/// ``InMemoryPresenceStore``. Times are milliseconds on one clock (Redis's
/// `TIME` in production, a test clock in tests).
public struct PresenceTable: Sendable {
    struct Entry: Sendable {
        var record: PresenceRecord
        var expiresAtMs: Int64
    }

    private var rooms: [UUID: [UUID: Entry]] = [:]

    public init() {}

    /// The state a resumed entry keeps from the one it replaces.
    public static func merge(new: PresenceRecord, previous: PresenceRecord?) -> PresenceRecord {
        guard let previous else { return new }
        var merged = new
        merged.participant.media = previous.participant.media
        merged.participant.handRaised = previous.participant.handRaised
        // The peer connections go straight to the nodes and outlive a dropped socket.
        merged.publication = previous.publication
        merged.subscriptions = previous.subscriptions
        if previous.status == .joined { merged.status = .joined }
        return merged
    }

    public mutating func join(meetingId: UUID, record: PresenceRecord, ttlMs: Int64, nowMs: Int64) -> PresenceJoin {
        let previous = self.rooms[meetingId]?[record.participant.id]?.record
        let stored = Self.merge(new: record, previous: previous)
        self.rooms[meetingId, default: [:]][record.participant.id] = Entry(record: stored, expiresAtMs: nowMs + ttlMs)
        return PresenceJoin(previous: previous, stored: stored)
    }

    public mutating func heartbeat(_ keys: [PresenceKey], ttlMs: Int64, nowMs: Int64) {
        for key in keys where self.rooms[key.meetingId]?[key.participantId] != nil {
            self.rooms[key.meetingId]?[key.participantId]?.expiresAtMs = nowMs + ttlMs
        }
    }

    public mutating func disconnect(_ key: PresenceKey, connectionId: UUID, graceMs: Int64, nowMs: Int64) -> Bool {
        guard let entry = self.rooms[key.meetingId]?[key.participantId], entry.record.connectionId == connectionId else {
            return false
        }
        self.rooms[key.meetingId]?[key.participantId]?.expiresAtMs = nowMs + graceMs
        return true
    }

    public mutating func replace(meetingId: UUID, record: PresenceRecord) -> Bool {
        guard let entry = self.rooms[meetingId]?[record.participant.id],
            entry.record.connectionId == record.connectionId
        else { return false }
        self.rooms[meetingId]?[record.participant.id]?.record = record
        return true
    }

    public mutating func remove(_ key: PresenceKey) -> PresenceRecord? {
        guard let entry = self.rooms[key.meetingId]?.removeValue(forKey: key.participantId) else { return nil }
        if self.rooms[key.meetingId]?.isEmpty == true { self.rooms[key.meetingId] = nil }
        return entry.record
    }

    public mutating func removeAll(meetingId: UUID) -> [PresenceRecord] {
        let removed = self.rooms.removeValue(forKey: meetingId) ?? [:]
        return removed.values.map(\.record).sorted { $0.participant.id.uuidString < $1.participant.id.uuidString }
    }

    public func get(_ key: PresenceKey) -> PresenceRecord? {
        self.rooms[key.meetingId]?[key.participantId]?.record
    }

    public func list(meetingId: UUID) -> [PresenceRecord] {
        (self.rooms[meetingId] ?? [:]).values.map(\.record)
            .sorted { $0.participant.id.uuidString < $1.participant.id.uuidString }
    }

    /// Removes entries whose expiry is at or before `nowMs`.
    public mutating func sweep(nowMs: Int64, limit: Int) -> [(meetingId: UUID, record: PresenceRecord)] {
        var expired: [(meetingId: UUID, record: PresenceRecord)] = []
        for (meetingId, entries) in self.rooms {
            for (participantId, entry) in entries where entry.expiresAtMs <= nowMs && expired.count < limit {
                expired.append((meetingId, entry.record))
                _ = self.remove(PresenceKey(meetingId: meetingId, participantId: participantId))
            }
        }
        return expired
    }
}
