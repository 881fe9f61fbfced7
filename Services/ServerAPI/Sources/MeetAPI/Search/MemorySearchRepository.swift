import Foundation
import MeetProtocol

/// ``SearchRepository`` in memory, with the rules of ``PostgresSearchRepository``
/// (`ILIKE` as a case-insensitive substring test).
struct MemorySearchRepository: SearchRepository {
    let store: MemoryStore

    func meetings(_ search: MeetingSearch) async throws -> [(MeetingRecord, MemberRole)] {
        await self.store.transaction { tables in
            var mine: [UUID: MemberRole] = [:]
            for invitation in tables.invitations.values where invitation.status != .declined && invitation.isFor(search.userId) {
                mine[invitation.meetingId] = invitation.role
            }
            for (key, member) in tables.members where key.userId == search.userId { mine[key.meetingId] = member.role }
            let found = mine.compactMap { id, role -> (MeetingRecord, MemberRole)? in
                guard let meeting = tables.meetings[id] else { return nil }
                let schedule = tables.schedules[id]?.record
                if let text = search.text {
                    guard Self.contains(meeting.title, text) || (schedule?.description).map({ Self.contains($0, text) }) == true
                    else { return nil }
                }
                let start = schedule?.startsAt ?? meeting.createdAt
                if let from = search.from, start < from { return nil }
                if let to = search.to, start >= to { return nil }
                return (meeting, role)
            }
            .sorted { ($0.0.createdAt, $0.0.id.uuidString) > ($1.0.createdAt, $1.0.id.uuidString) }
            let start = search.after.flatMap { after in found.firstIndex { $0.0.id == after }.map { $0 + 1 } } ?? 0
            return Array(found.dropFirst(start).prefix(search.limit))
        }
    }

    func users(named text: String, after cursor: UUID?, limit: Int) async throws -> [UserSummary] {
        await self.store.transaction { tables in
            let found = tables.users.values.filter { Self.contains($0.displayName, text) }
                .sorted { ($0.displayName, $0.id.uuidString) < ($1.displayName, $1.id.uuidString) }
            let start = cursor.flatMap { cursor in found.firstIndex { $0.id == cursor }.map { $0 + 1 } } ?? 0
            return found.dropFirst(start).prefix(limit).map { UserSummary(id: $0.id, displayName: $0.displayName) }
        }
    }

    static func contains(_ haystack: String, _ needle: String) -> Bool {
        haystack.range(of: needle, options: [.caseInsensitive]) != nil
    }
}
