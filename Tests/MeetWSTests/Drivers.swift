import Foundation
import MeetProtocol
import MeetWS

/// Reference wrappers around the value-type state machines, so tests can
/// call their mutating methods inside `#expect` (which captures immutably).
final class MachineDriver {
    var machine: SessionMachine
    init(_ machine: SessionMachine) { self.machine = machine }
    var state: SessionMachine.State { self.machine.state }
    var identity: SessionIdentity { self.machine.identity }
    func receive(_ frame: [UInt8], now: ContinuousClock.Instant) -> SessionMachine.Decision {
        self.machine.receive(frame, now: now)
    }
    func joined(waiting: Bool) { self.machine.joined(waiting: waiting) }
    func joinFailed() { self.machine.joinFailed() }
    func admitted() -> Bool { self.machine.admitted() }
    func close() -> Bool { self.machine.close() }
    func accepts(audience: RoomAudience, exclude: UUID?, recipients: [UUID]? = nil) -> Bool {
        self.machine.accepts(audience: audience, exclude: exclude, recipients: recipients)
    }
    func updateRole(_ role: MemberRole) { self.machine.updateRole(role) }
}

final class TableDriver {
    var table = PresenceTable()
    func join(meetingId: UUID, record: PresenceRecord, ttlMs: Int64, nowMs: Int64) -> PresenceJoin {
        self.table.join(meetingId: meetingId, record: record, ttlMs: ttlMs, nowMs: nowMs)
    }
    func heartbeat(_ keys: [PresenceKey], ttlMs: Int64, nowMs: Int64) { self.table.heartbeat(keys, ttlMs: ttlMs, nowMs: nowMs) }
    func disconnect(_ key: PresenceKey, connectionId: UUID, graceMs: Int64, nowMs: Int64) -> Bool {
        self.table.disconnect(key, connectionId: connectionId, graceMs: graceMs, nowMs: nowMs)
    }
    func replace(meetingId: UUID, record: PresenceRecord) -> Bool { self.table.replace(meetingId: meetingId, record: record) }
    func remove(_ key: PresenceKey) -> PresenceRecord? { self.table.remove(key) }
    func removeAll(meetingId: UUID) -> [PresenceRecord] { self.table.removeAll(meetingId: meetingId) }
    func get(_ key: PresenceKey) -> PresenceRecord? { self.table.get(key) }
    func list(meetingId: UUID) -> [PresenceRecord] { self.table.list(meetingId: meetingId) }
    func sweep(nowMs: Int64, limit: Int) -> [(meetingId: UUID, record: PresenceRecord)] {
        self.table.sweep(nowMs: nowMs, limit: limit)
    }
}

final class BucketDriver {
    var bucket: TokenBucket
    init(_ bucket: TokenBucket) { self.bucket = bucket }
    func take(now: ContinuousClock.Instant) -> Bool { self.bucket.take(now: now) }
}
