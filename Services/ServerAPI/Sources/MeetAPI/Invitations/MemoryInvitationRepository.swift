import Foundation
import MeetProtocol

/// ``InvitationRepository`` in memory, with the rules of ``PostgresInvitationRepository``.
struct MemoryInvitationRepository: InvitationRepository {
    let store: MemoryStore
    /// Where a change's ``Outbox`` goes, after the change (memory cannot fail in between).
    let outbox: MemoryOutbox

    func invite(
        _ invitation: NewInvitation, notices: @escaping @Sendable (InvitationRecord) throws -> Outbox
    ) async throws -> Committed<InvitationRecord> {
        let (record, outbox) = try await self.store.transaction { tables in
            let existing = tables.invitations.values.first { $0.meetingId == invitation.meetingId && $0.email == invitation.email }
            if let existing, existing.status != .declined { throw InvitationRepositoryError.alreadyInvited }
            if existing == nil, tables.invitations.values.filter({ $0.meetingId == invitation.meetingId }).count >= InvitationLimits.perMeeting {
                throw InvitationRepositoryError.tooMany
            }
            let meeting = tables.meetings[invitation.meetingId]
            var record = existing ?? InvitationRecord(
                id: UUID(), meetingId: invitation.meetingId, meetingCode: meeting?.code ?? "", meetingTitle: meeting?.title ?? "",
                email: invitation.email, userId: invitation.userId, role: invitation.role, status: .pending,
                invitedBy: invitation.invitedBy, createdAt: tables.creationTime(), respondedAt: nil)
            record.status = .pending
            record.role = invitation.role
            record.userId = invitation.userId ?? record.userId
            record.invitedBy = invitation.invitedBy
            record.respondedAt = nil
            record.secretHash = record.userId == nil ? invitation.secretHash : nil
            // Composed before the tables change: a failure leaves them as they were.
            let outbox = try notices(record)
            tables.invitations[record.id] = record
            return (record, outbox)
        }
        return Committed(record, stored: try await self.outbox.write(outbox))
    }

    func find(id: UUID) async throws -> InvitationRecord? {
        await self.store.transaction { $0.invitations[id] }
    }

    func list(meetingId: UUID) async throws -> [InvitationRecord] {
        await self.store.transaction { tables in
            tables.invitations.values.filter { $0.meetingId == meetingId }.sorted { ($0.createdAt, $0.id.uuidString) < ($1.createdAt, $1.id.uuidString) }
        }
    }

    func list(user: UserRecord, limit: Int) async throws -> [InvitationRecord] {
        await self.store.transaction { tables in
            Array(tables.invitations.values.filter { $0.isFor(user) }.sorted { $0.createdAt > $1.createdAt }.prefix(limit))
        }
    }

    func respond(id: UUID, user: UserRecord, secretHash: String?, accept: Bool) async throws -> InvitationRecord? {
        await self.store.transaction { tables in
            guard var record = tables.invitations[id], record.isAnswerable(by: user, secretHash: secretHash) else { return nil }
            record.status = accept ? .accepted : .declined
            record.userId = user.id
            record.respondedAt = Date()
            tables.invitations[id] = record
            let key = MemoryTables.Membership(meetingId: record.meetingId, userId: user.id)
            if accept {
                if tables.members[key] == nil { tables.members[key] = .init(role: record.role, addedAt: tables.creationTime()) }
            } else if tables.members[key]?.role != .owner {
                tables.members[key] = nil
            }
            return record
        }
    }

    func revoke(id: UUID, meetingId: UUID, notices: Outbox) async throws -> Committed<Bool> {
        let revoked = await self.store.transaction { tables in
            guard tables.invitations[id]?.meetingId == meetingId else { return false }
            tables.invitations[id] = nil
            return true
        }
        guard revoked else { return Committed(false) }
        return Committed(true, stored: try await self.outbox.write(notices))
    }

    func invitedRole(meetingId: UUID, user: UserRecord) async throws -> MemberRole? {
        await self.store.transaction { tables in
            tables.invitations.values.first { $0.meetingId == meetingId && $0.status != .declined && $0.isFor(user) }?.role
        }
    }
}
