import Foundation
import MeetProtocol

/// ``AccountRepository`` in memory, with the rules of ``PostgresAccountRepository``
/// over the tables ``MemoryStore`` holds (notifications, settings, feeds
/// and recordings live elsewhere in memory and are exported empty).
struct MemoryAccountRepository: AccountRepository {
    let store: MemoryStore

    func export(userId: UUID, cap: Int) async throws -> Data? {
        let snapshot = await self.store.transaction { tables -> Snapshot? in
            guard let user = tables.users[userId] else { return nil }
            let meetings = tables.meetings
            let code = { (id: UUID) in meetings[id]?.code ?? "" }
            let mySeats = Set(tables.participants.values.filter { $0.record.userId == userId }.map(\.record.id))
            return Snapshot(
                profile: user.response,
                meetingsOwned: tables.meetings.values.filter { $0.ownerId == userId }.sorted { $0.createdAt > $1.createdAt }
                    .map { $0.response(role: .owner) },
                memberships: tables.members.filter { $0.key.userId == userId }.sorted { $0.value.addedAt > $1.value.addedAt }
                    .map { Entry(meetingCode: code($0.key.meetingId), text: $0.value.role.rawValue) },
                participations: tables.participants.values.map(\.record).filter { $0.userId == userId }
                    .sorted { $0.createdAt > $1.createdAt }.map(\.response),
                messagesSent: tables.messages.filter { $0.record.userId == userId }.sorted { $0.record.id > $1.record.id }
                    .map { Entry(meetingCode: code($0.meetingId), text: $0.record.body) },
                messagesReceived: tables.messages.filter { $0.record.toParticipantId.map(mySeats.contains) == true }
                    .sorted { $0.record.id > $1.record.id }.map { Entry(meetingCode: code($0.meetingId), text: $0.record.body) },
                invitationsReceived: tables.invitations.values.filter { $0.isFor(userId) }.sorted { $0.createdAt > $1.createdAt }
                    .map(\.response),
                invitationsSent: tables.invitations.values.filter { $0.invitedBy == userId }.sorted { $0.createdAt > $1.createdAt }
                    .map(\.response))
        }
        guard let snapshot else { return nil }
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(snapshot.capped(cap + 1))
    }

    func delete(userId: UUID) async throws -> AccountDeletion? {
        await self.store.transaction { tables in
            guard tables.users[userId] != nil else { return nil }
            var deletion = AccountDeletion(handedOver: [:], removed: [])
            for (id, meeting) in tables.meetings where meeting.ownerId == userId {
                let heir = tables.members.filter { $0.key.meetingId == id && $0.key.userId != userId && $0.value.role == .host }
                    .min { ($0.value.addedAt, $0.key.userId.uuidString) < ($1.value.addedAt, $1.key.userId.uuidString) }
                if let heir {
                    tables.meetings[id]?.ownerId = heir.key.userId
                    tables.members[heir.key]?.role = .owner
                    deletion.handedOver[id] = heir.key.userId
                } else {
                    deletion.removed.append(id)
                }
            }
            // ON DELETE CASCADE of the meetings removed with the account.
            let removed = Set(deletion.removed)
            for id in removed { tables.meetings[id] = nil }
            tables.members = tables.members.filter { !removed.contains($0.key.meetingId) && $0.key.userId != userId }
            tables.participants = tables.participants.filter { !removed.contains($0.value.record.meetingId) }
            tables.messages.removeAll { removed.contains($0.meetingId) }
            tables.invitations = tables.invitations.filter { !removed.contains($0.value.meetingId) && !$0.value.isFor(userId) }
            var leftSeats: Set<UUID> = []
            for (id, participant) in tables.participants where participant.record.userId == userId {
                var record = participant.record
                if record.status.isLive { leftSeats.insert(record.meetingId) }
                record.guestId = record.guestId ?? UUID()
                record.userId = nil
                record.displayName = DeletedUser.displayName
                if record.status.isLive { record.status = .left }
                tables.participants[id]?.record = record
            }
            for index in tables.messages.indices where tables.messages[index].record.userId == userId {
                tables.messages[index].record.userId = nil
                tables.messages[index].record.displayName = DeletedUser.displayName
            }
            for (token, refresh) in tables.refreshTokens where refresh.userId == userId { tables.refreshTokens[token] = nil }
            tables.users[userId] = nil
            deletion.leftSeats = leftSeats.sorted { $0.uuidString < $1.uuidString }
            return deletion
        }
    }

    /// A meeting code and a text (a role, a message body).
    struct Entry: Codable, Sendable {
        var meetingCode: String
        var text: String
    }

    /// The export's sections, as the in-memory tables hold them.
    struct Snapshot: Codable, Sendable {
        var profile: UserResponse
        var meetingsOwned: [MeetingResponse]
        var memberships: [Entry]
        var participations: [ParticipantResponse]
        var messagesSent: [Entry]
        var messagesReceived: [Entry]
        var invitationsReceived: [InvitationResponse]
        var invitationsSent: [InvitationResponse]

        func capped(_ count: Int) -> Snapshot {
            Snapshot(
                profile: self.profile, meetingsOwned: Array(self.meetingsOwned.prefix(count)),
                memberships: Array(self.memberships.prefix(count)), participations: Array(self.participations.prefix(count)),
                messagesSent: Array(self.messagesSent.prefix(count)), messagesReceived: Array(self.messagesReceived.prefix(count)),
                invitationsReceived: Array(self.invitationsReceived.prefix(count)),
                invitationsSent: Array(self.invitationsSent.prefix(count)))
        }
    }
}
