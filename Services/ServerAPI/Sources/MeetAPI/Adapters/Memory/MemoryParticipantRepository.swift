import Foundation
import MeetProtocol

/// ``ParticipantRepository`` and ``BanRepository`` in memory, with the
/// liveness, capacity and ban rules of ``PostgresParticipantRepository``
/// and ``PostgresBanRepository``.
struct MemoryParticipantRepository: ParticipantRepository, BanRepository {
    let store: MemoryStore

    // MARK: Participants

    func admit(_ participant: NewParticipant, liveWindow: Duration) async throws -> AdmitResult {
        await self.store.transaction { tables in
            guard let meeting = tables.meetings[participant.meetingId] else { return .notFound }
            guard meeting.status == .active else { return .ended }
            if let capacity = meeting.capacity, !participant.role.bypassesCapacity {
                let live = Self.live(in: tables, meetingId: meeting.id, window: liveWindow).count
                guard live < capacity else { return .full }
            }
            let record = ParticipantRecord(
                id: participant.id, meetingId: participant.meetingId, userId: participant.userId,
                guestId: participant.guestId, displayName: participant.displayName, role: participant.role,
                status: participant.status, createdAt: tables.creationTime(), joinedAt: nil)
            tables.participants[record.id] = .init(record: record, origin: participant.origin)
            return .admitted(record)
        }
    }

    func listLive(meetingId: UUID, liveWindow: Duration) async throws -> [ParticipantRecord] {
        await self.store.transaction { tables in
            Self.live(in: tables, meetingId: meetingId, window: liveWindow)
                .sorted { $0.createdAt != $1.createdAt ? $0.createdAt < $1.createdAt : $0.id.uuidString < $1.id.uuidString }
        }
    }

    func find(id: UUID) async throws -> ParticipantRecord? {
        await self.store.transaction { $0.participants[id]?.record }
    }

    func messages(meetingId: UUID, matching text: String?, before: Int64?, limit: Int, viewer: MessageViewer) async throws
        -> [MessageRecord]
    {
        let words = text.map(Self.words) ?? []
        return await self.store.transaction { tables in
            Array(
                tables.messages.filter { message in
                    message.meetingId == meetingId && before.map { message.record.id < $0 } ?? true
                        && Set(words).isSubset(of: Self.words(message.record.body))
                        && viewer.sees(
                            message.record,
                            recipientUserId: message.record.toParticipantId.flatMap { tables.participants[$0]?.record.userId })
                }
                .map { message in
                    // The file it went with, as PostgreSQL joins `attachments` on `message_id`.
                    var record = message.record
                    record.attachment = record.attachment ?? tables.attachments.values.first { $0.messageId == record.id }?.response
                    return record
                }
                .sorted { $0.id > $1.id }.prefix(limit))
        }
    }

    func attendance(meetingId: UUID) async throws -> [AttendanceRow] {
        await self.store.transaction { tables in
            tables.participants.values.map(\.record).filter { $0.meetingId == meetingId }.compactMap { record in
                record.joinedAt.map {
                    AttendanceRow(
                        participantId: record.id, userId: record.userId, displayName: record.displayName, role: record.role,
                        joinedAt: $0, leftAt: nil)
                }
            }
        }
    }

    func chatCount(meetingId: UUID) async throws -> Int {
        await self.store.transaction { tables in tables.messages.filter { $0.meetingId == meetingId }.count }
    }

    func participations(userId: UUID, limit: Int) async throws -> [ParticipationRow] {
        await self.store.transaction { tables in
            Array(
                tables.participants.values.map(\.record).filter { $0.userId == userId }.compactMap { record -> ParticipationRow? in
                    guard let joinedAt = record.joinedAt, let meeting = tables.meetings[record.meetingId] else { return nil }
                    return ParticipationRow(
                        meetingId: meeting.id, code: meeting.code, title: meeting.title, meetingEndedAt: meeting.endedAt,
                        joinedAt: joinedAt, leftAt: nil)
                }
                .sorted { $0.joinedAt > $1.joinedAt }.prefix(limit))
        }
    }

    func meetingsOwned(userId: UUID) async throws -> Int {
        await self.store.transaction { tables in tables.meetings.values.filter { $0.ownerId == userId }.count }
    }

    /// The liveness rule of ``ParticipantRepository``.
    private static func live(in tables: MemoryTables, meetingId: UUID, window: Duration) -> [ParticipantRecord] {
        let youngest = Date().addingTimeInterval(-Double(max(1, window.components.seconds)))
        return tables.participants.values.filter { participant in
            let record = participant.record
            guard record.meetingId == meetingId else { return false }
            switch record.status {
            case .joined: return true
            case .joining, .waiting: return participant.connected || record.createdAt > youngest
            case .left, .kicked: return false
            }
        }.map(\.record)
    }

    // MARK: Bans

    func isBanned(meetingId: UUID, userId: UUID?, origin: JoinOrigin) async throws -> Bool {
        await self.store.transaction { tables in
            tables.bans.contains { ban in
                guard ban.meetingId == meetingId else { return false }
                if let userId { return ban.userId == userId }
                guard ban.userId == nil, let banned = ban.origin else { return false }
                return banned.address == origin.address || (origin.deviceId != nil && banned.deviceId == origin.deviceId)
            }
        }
    }

    func list(meetingId: UUID) async throws -> [BanResponse] {
        await self.store.transaction { tables in
            tables.bans.filter { $0.meetingId == meetingId }.map(\.response).sorted {
                $0.createdAt != $1.createdAt ? $0.createdAt > $1.createdAt : $0.id.uuidString < $1.id.uuidString
            }
        }
    }

    func remove(meetingId: UUID, banId: UUID) async throws -> Bool {
        await self.store.transaction { tables in
            guard let index = tables.bans.firstIndex(where: { $0.meetingId == meetingId && $0.response.id == banId }) else {
                return false
            }
            tables.bans.remove(at: index)
            return true
        }
    }

    /// What a kick in meet-ws does to the tables (meet-ws's
    /// `PostgresParticipantStore`): the participant is `kicked` and banned,
    /// an account by its user id, a guest by the origin of its join.
    /// For unit tests, which have no meet-ws.
    func kick(participantId: UUID, by hostId: UUID?) async {
        await self.store.transaction { tables in
            guard let participant = tables.participants[participantId] else { return }
            tables.participants[participantId]?.record.status = .kicked
            let record = participant.record
            // The owner is never banned from their own meeting; one ban per seat.
            guard record.userId == nil || record.userId != tables.meetings[record.meetingId]?.ownerId,
                !tables.bans.contains(where: { $0.response.id == participantId })
            else { return }
            tables.bans.append(
                .init(
                    meetingId: record.meetingId, userId: record.userId,
                    origin: record.userId == nil ? participant.origin : nil,
                    response: BanResponse(
                        id: participantId, userId: record.userId, displayName: record.displayName, guest: record.userId == nil,
                        bannedBy: hostId, createdAt: tables.creationTime())))
        }
    }

    /// Lower-cased words (letters and digits), as the `simple` text-search configuration splits them.
    static func words(_ text: String) -> [String] {
        text.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init)
    }
}
