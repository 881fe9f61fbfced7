import Foundation
import MeetProtocol

/// ``MeetingRepository``, ``MemberRepository`` and ``SeatRoleRepository``
/// in memory, with the rules of ``PostgresMeetingRepository`` and
/// ``PostgresSeatRoleRepository``.
struct MemoryMeetingRepository: MeetingRepository, MemberRepository, SeatRoleRepository {
    let store: MemoryStore

    // MARK: Meetings

    func create(_ meeting: NewMeeting) async throws -> MeetingRecord {
        try await self.store.transaction { tables in
            guard !tables.meetings.values.contains(where: { $0.code == meeting.code }) else { throw RepositoryError.codeTaken }
            let record = MeetingRecord(
                id: UUID(), code: meeting.code, title: meeting.title, passwordHash: meeting.passwordHash,
                waitingRoom: meeting.waitingRoom, capacity: meeting.capacity, e2ee: meeting.e2ee, status: .active,
                ownerId: meeting.ownerId,
                createdAt: tables.creationTime(), endedAt: nil)
            tables.meetings[record.id] = record
            tables.members[.init(meetingId: record.id, userId: meeting.ownerId)] = .init(role: .owner, addedAt: record.createdAt)
            return record
        }
    }

    func find(code: String) async throws -> MeetingRecord? {
        await self.store.transaction { tables in tables.meetings.values.first { $0.code == code } }
    }

    func list(memberId: UUID, after cursor: UUID?, limit: Int) async throws -> [(MeetingRecord, MemberRole)] {
        await self.store.transaction { tables in
            let newestFirst = tables.members
                .filter { $0.key.userId == memberId }
                .compactMap { key, member in tables.meetings[key.meetingId].map { ($0, member.role) } }
                .sorted { Self.newer($0.0, than: $1.0) }
            guard let cursor else { return Array(newestFirst.prefix(limit)) }
            guard let after = tables.meetings[cursor] else { return [] }
            return Array(newestFirst.filter { Self.newer(after, than: $0.0) }.prefix(limit))
        }
    }

    func update(id: UUID, changes: MeetingChanges) async throws -> MeetingRecord? {
        await self.store.transaction { tables in
            guard var meeting = tables.meetings[id], meeting.status == .active else { return nil }
            meeting.title = changes.title ?? meeting.title
            meeting.waitingRoom = changes.waitingRoom ?? meeting.waitingRoom
            if changes.passwordHash != .unchanged { meeting.passwordHash = changes.passwordHash.value }
            if changes.capacity != .unchanged { meeting.capacity = changes.capacity.value }
            tables.meetings[id] = meeting
            return meeting
        }
    }

    func end(id: UUID) async throws -> Bool {
        await self.store.transaction { tables in
            guard var meeting = tables.meetings[id], meeting.status == .active else { return false }
            meeting.status = .ended
            meeting.endedAt = Date()
            tables.meetings[id] = meeting
            for (participantId, participant) in tables.participants
            where participant.record.meetingId == id && participant.record.status.isLive {
                tables.participants[participantId]?.record.status = .left
            }
            return true
        }
    }

    /// `ORDER BY created_at DESC, id DESC`.
    private static func newer(_ a: MeetingRecord, than b: MeetingRecord) -> Bool {
        a.createdAt != b.createdAt ? a.createdAt > b.createdAt : a.id.uuidString > b.id.uuidString
    }

    // MARK: Members

    func role(meetingId: UUID, userId: UUID) async throws -> MemberRole? {
        await self.store.transaction { $0.members[.init(meetingId: meetingId, userId: userId)]?.role }
    }

    func list(meetingId: UUID) async throws -> [MemberRecord] {
        await self.store.transaction { tables in
            tables.members.filter { $0.key.meetingId == meetingId }
                .compactMap { key, member in Self.record(key.userId, member, tables: tables) }
                .sorted { $0.addedAt != $1.addedAt ? $0.addedAt < $1.addedAt : $0.userId.uuidString < $1.userId.uuidString }
        }
    }

    func add(meetingId: UUID, userId: UUID, role: MemberRole) async throws -> MemberRecord {
        try await self.store.transaction { tables in
            let key = MemoryTables.Membership(meetingId: meetingId, userId: userId)
            guard tables.members[key] == nil else { throw RepositoryError.alreadyMember }
            guard tables.users[userId] != nil, tables.meetings[meetingId] != nil else { throw RepositoryError.userNotFound }
            let member = MemoryTables.Member(role: role, addedAt: tables.creationTime())
            tables.members[key] = member
            return Self.record(userId, member, tables: tables)!
        }
    }

    func updateRole(meetingId: UUID, userId: UUID, role: MemberRole) async throws -> MemberRecord? {
        await self.store.transaction { tables in
            let key = MemoryTables.Membership(meetingId: meetingId, userId: userId)
            guard tables.members[key] != nil else { return nil }
            tables.members[key]?.role = role
            return tables.members[key].flatMap { Self.record(userId, $0, tables: tables) }
        }
    }

    func remove(meetingId: UUID, userId: UUID) async throws -> Bool {
        await self.store.transaction { tables in
            tables.members.removeValue(forKey: .init(meetingId: meetingId, userId: userId)) != nil
        }
    }

    private static func record(_ userId: UUID, _ member: MemoryTables.Member, tables: MemoryTables) -> MemberRecord? {
        tables.users[userId].map {
            MemberRecord(userId: userId, email: $0.email, displayName: $0.displayName, role: member.role, addedAt: member.addedAt)
        }
    }

    // MARK: Seats

    func refreshRole(meetingId: UUID, userId: UUID) async throws {
        await self.store.transaction { tables in
            guard let meeting = tables.meetings[meetingId] else { return }
            let role: MemberRole =
                meeting.ownerId == userId
                ? .owner : tables.members[.init(meetingId: meetingId, userId: userId)]?.role ?? .attendee
            for (id, participant) in tables.participants
            where participant.record.meetingId == meetingId && participant.record.userId == userId
                && participant.record.status.isLive
            {
                tables.participants[id]?.record.role = role
            }
        }
    }
}
