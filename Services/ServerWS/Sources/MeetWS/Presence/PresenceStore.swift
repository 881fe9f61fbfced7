public import Foundation
public import MeetProtocol

/// The live "who is in which room, on which replica" table (a port).
///
/// The Redis adapter is shared by every replica; the in-memory one backs
/// unit tests. Both follow ``PresenceTable``'s rules: an entry lives until
/// its expiry, which heartbeats push forward by the TTL and a dropped
/// socket sets to the resume grace; whoever removes an entry (leave, kick,
/// sweep) gets it back, and only that caller announces `participant-left`,
/// so it is announced exactly once however many replicas race.
public protocol PresenceStore: Sendable {
    /// Writes `record` (expiring after `ttl`). When an entry already exists
    /// (a resume) its media, hand and joined status carry over; the old
    /// entry is returned so the caller can retire its socket.
    func join(meetingId: UUID, record: PresenceRecord, ttl: Duration) async throws -> PresenceJoin
    /// Pushes the expiry of these entries (the replica's connected sockets)
    /// to now + `ttl`. Missing ones stay missing, except that a store that
    /// can lose everything (Redis) writes back those it lost, not those
    /// removed on purpose (``PresenceLedger``). Returns the entries it wrote
    /// back: the room has not heard of them since the loss, and a joiner
    /// whose snapshot was read before they were back knows nothing of them,
    /// so the caller announces them (``PresenceMaintenance``).
    @discardableResult
    func heartbeat(_ entries: [PresenceKey], ttl: Duration) async throws -> [(meetingId: UUID, record: PresenceRecord)]
    /// The socket `connectionId` dropped: expire the entry after `grace`
    /// unless a newer connection owns it. Returns whether it applied.
    @discardableResult
    func disconnect(_ key: PresenceKey, connectionId: UUID, grace: Duration) async throws -> Bool
    /// Replaces an entry owned by `record.connectionId`; false when it is gone or taken over.
    func replace(meetingId: UUID, record: PresenceRecord) async throws -> Bool
    /// Removes an entry; returns it when this call removed it.
    func remove(_ key: PresenceKey) async throws -> PresenceRecord?
    /// Removes every entry of a meeting (it ended); returns them.
    func removeAll(meetingId: UUID) async throws -> [PresenceRecord]
    func get(_ key: PresenceKey) async throws -> PresenceRecord?
    /// Every entry of a meeting, ordered by participant id.
    func list(meetingId: UUID) async throws -> [PresenceRecord]
    /// Removes up to `limit` expired entries of any meeting and returns them.
    func sweep(limit: Int) async throws -> [(meetingId: UUID, record: PresenceRecord)]
    /// Yields when the store may have lost entries (its Redis reconnected,
    /// perhaps after a restart without persistence): the replica's
    /// heartbeat then runs at once, and the heartbeat writes back what this
    /// replica's sockets lost. The default never yields.
    func resets() -> AsyncStream<Void>
}

extension PresenceStore {
    public func resets() -> AsyncStream<Void> {
        AsyncStream { _ in }
    }
}

/// One participant of one meeting.
public struct PresenceKey: Hashable, Sendable {
    public var meetingId: UUID
    public var participantId: UUID

    public init(meetingId: UUID, participantId: UUID) {
        self.meetingId = meetingId
        self.participantId = participantId
    }

    /// Member name in the expiry index: `meetingId/participantId`, lower case.
    public var member: String {
        "\(self.meetingId.uuidString.lowercased())/\(self.participantId.uuidString.lowercased())"
    }

    public init?(member: String) {
        let parts = member.split(separator: "/")
        guard parts.count == 2, let meeting = UUID(uuidString: String(parts[0])),
            let participant = UUID(uuidString: String(parts[1]))
        else { return nil }
        self.init(meetingId: meeting, participantId: participant)
    }
}

/// The outcome of ``PresenceStore/join(meetingId:record:ttl:)``.
public struct PresenceJoin: Sendable, Equatable {
    /// The entry this join replaced: non-nil means a resume.
    public var previous: PresenceRecord?
    /// The entry as stored (carried-over state applied).
    public var stored: PresenceRecord

    public init(previous: PresenceRecord?, stored: PresenceRecord) {
        self.previous = previous
        self.stored = stored
    }
}
