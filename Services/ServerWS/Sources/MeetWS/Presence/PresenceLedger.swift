public import Foundation
public import MeetProtocol

/// What this replica last wrote to presence for its own sockets, so that it
/// can write it again when the store lost it: Redis runs without
/// persistence, and a restart empties it while every socket stays open
/// (issue #6). Sans-I/O: the store adapter reports each write and each
/// heartbeat's findings, with the time passed in, and executes the plan
/// this returns.
///
/// **Telling a loss from a removal.** An entry can be missing because Redis
/// restarted, or because another replica removed it on purpose (a kick, the
/// meeting ended, a sweep). Only the first may be re-written. The store
/// keeps an *epoch* key, a random token created by whoever finds it missing;
/// a restart loses it with everything else, so a new token means "the store
/// was emptied". Each ledger entry remembers the epoch it was written in: a
/// missing entry from an older epoch was lost, one from the current epoch
/// was removed.
///
/// Two kinds of entries are restored:
/// - *connected* sockets (named by the heartbeat): with the presence TTL,
///   overwriting (the live socket is the authority on its own record);
/// - *dropped* sockets still in their resume grace: with the grace left,
///   only where nothing was written since (a resume elsewhere wins), so the
///   sweep still reports them `participant-left` if they never come back.
public struct PresenceLedger: Sendable {
    public struct Entry: Sendable, Equatable {
        public var meetingId: UUID
        public var record: PresenceRecord
        /// The store epoch this record was last known to be in.
        public var epoch: String
        /// Set while the socket is dropped: when its resume grace ends (ms).
        public var graceEndsAtMs: Int64?
        /// Consecutive heartbeats that did not name this connected entry.
        var missedHeartbeats = 0
    }

    /// One entry to write back: `overwrite` for connected sockets, else
    /// only if the store has nothing for the participant.
    public struct Restore: Sendable, Equatable {
        public var meetingId: UUID
        public var record: PresenceRecord
        public var ttlMs: Int64
        public var overwrite: Bool
    }

    public private(set) var entries: [PresenceKey: Entry] = [:]
    /// When the last heartbeat was written (ms), and whether one failed since.
    public private(set) var lastHeartbeatMs: Int64?
    public private(set) var heartbeatFailedSince = false

    public init() {}

    /// A heartbeat could not be written (Redis frozen, unreachable, or the
    /// connection dropped): the entries may have expired and been swept
    /// meanwhile, so the next heartbeat that gets through writes back what
    /// is missing whatever the epoch says.
    public mutating func heartbeatFailed() {
        self.heartbeatFailedSince = true
    }

    /// A local socket joined (or resumed): it owns the entry now.
    public mutating func joined(meetingId: UUID, stored: PresenceRecord, epoch: String) {
        let key = PresenceKey(meetingId: meetingId, participantId: stored.participant.id)
        self.entries[key] = Entry(meetingId: meetingId, record: stored, epoch: epoch)
    }

    /// The store holds `record` now (a replace, or a read): kept when it is
    /// the entry of the same socket, ignored otherwise.
    public mutating func observed(meetingId: UUID, record: PresenceRecord) {
        let key = PresenceKey(meetingId: meetingId, participantId: record.participant.id)
        guard self.entries[key]?.record.connectionId == record.connectionId else { return }
        self.entries[key]?.record = record
    }

    /// The socket dropped; its seat is kept until `graceEndsAtMs`.
    public mutating func disconnected(_ key: PresenceKey, connectionId: UUID, graceEndsAtMs: Int64) {
        guard self.entries[key]?.record.connectionId == connectionId else { return }
        self.entries[key]?.graceEndsAtMs = graceEndsAtMs
    }

    /// The entry left the store for good (leave, kick, sweep).
    public mutating func removed(_ key: PresenceKey) {
        self.entries[key] = nil
    }

    public mutating func removedAll(meetingId: UUID) {
        self.entries = self.entries.filter { $0.value.meetingId != meetingId }
    }

    /// Decides, after a heartbeat, what to write back.
    ///
    /// - Parameters:
    ///   - named: the connected local sockets the heartbeat refreshed.
    ///   - missing: those of `named` the store did not have.
    ///   - epoch: the store's epoch as the heartbeat found (or created) it.
    ///
    /// **After an interruption** (a heartbeat failed since the last one
    /// written, or more than a TTL passed since it), a missing connected
    /// socket is written back even in the same epoch: its entry may have
    /// expired and been swept while nobody could refresh it (a frozen or
    /// partitioned Redis keeps its epoch; issue #23), and the open socket is
    /// the authority on its own seat. A removal on purpose in that window (a
    /// kick) closes the socket, which then leaves as usual.
    public mutating func afterHeartbeat(
        named: [PresenceKey], missing: Set<PresenceKey>, epoch: String, ttlMs: Int64, nowMs: Int64
    ) -> [Restore] {
        let named = Set(named)
        let interrupted = self.heartbeatFailedSince || self.lastHeartbeatMs.map { nowMs - $0 > ttlMs } ?? false
        self.heartbeatFailedSince = false
        self.lastHeartbeatMs = nowMs
        var restores: [Restore] = []
        for (key, entry) in self.entries {
            if named.contains(key) {
                self.entries[key]?.missedHeartbeats = 0
                self.entries[key]?.graceEndsAtMs = nil
                guard missing.contains(key) else {
                    self.entries[key]?.epoch = epoch
                    continue
                }
                guard entry.epoch != epoch || interrupted else {
                    self.entries[key] = nil  // removed on purpose while the socket is open
                    continue
                }
                restores.append(Restore(meetingId: entry.meetingId, record: entry.record, ttlMs: ttlMs, overwrite: true))
                self.entries[key]?.epoch = epoch
            } else if let graceEnds = entry.graceEndsAtMs {
                guard graceEnds > nowMs else {
                    self.entries[key] = nil  // the sweep owns it from here
                    continue
                }
                if entry.epoch != epoch {
                    restores.append(
                        Restore(meetingId: entry.meetingId, record: entry.record, ttlMs: graceEnds - nowMs, overwrite: false))
                    self.entries[key]?.epoch = epoch
                }
            } else {
                // Not a room member of this replica any more (it closed after a kick or
                // the end of the meeting). Twice, so a join racing the heartbeat survives.
                self.entries[key]?.missedHeartbeats += 1
                if entry.missedHeartbeats >= 1 { self.entries[key] = nil }
            }
        }
        return restores.sorted { $0.record.participant.id.uuidString < $1.record.participant.id.uuidString }
    }
}
