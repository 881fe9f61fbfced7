import Foundation
import MeetProtocol
import NIOConcurrencyHelpers

/// ``NotificationRepository`` in memory, with the rules of ``PostgresNotificationRepository``.
final class MemoryNotificationRepository: NotificationRepository {
    private struct Row {
        var userId: UUID
        var dedupeKey: String?
        var response: NotificationResponse
    }

    private let store: MemoryStore
    private let rows = NIOLockedValueBox<[Row]>([])
    private let settings = NIOLockedValueBox<[UUID: Int?]>([:])

    init(store: MemoryStore) {
        self.store = store
    }

    func add(_ notifications: [NewNotification]) async throws -> [StoredNotification] {
        var stored: [StoredNotification] = []
        for item in notifications {
            let code = await self.store.transaction { tables in item.meetingId.flatMap { tables.meetings[$0]?.code } }
            let created = await self.store.transaction { $0.creationTime() }
            let row = self.rows.withLockedValue { rows -> Row? in
                if let key = item.dedupeKey, rows.contains(where: { $0.dedupeKey == key }) { return nil }
                let row = Row(
                    userId: item.userId, dedupeKey: item.dedupeKey,
                    response: NotificationResponse(
                        id: UUID(), kind: item.kind, meetingCode: code, title: item.title, body: item.body, createdAt: created,
                        readAt: nil))
                rows.append(row)
                return row
            }
            if let row { stored.append(StoredNotification(userId: row.userId, notification: row.response)) }
        }
        return stored
    }

    func list(userId: UUID, after cursor: UUID?, unreadOnly: Bool, limit: Int) async throws -> [NotificationResponse] {
        self.rows.withLockedValue { rows in
            let mine = rows.filter { $0.userId == userId }.map(\.response).reversed()
            var result = Array(mine)
            if let cursor {
                guard let index = result.firstIndex(where: { $0.id == cursor }) else { return [] }
                result = Array(result[(index + 1)...])
            }
            return Array(result.filter { !unreadOnly || $0.readAt == nil }.prefix(limit))
        }
    }

    func markRead(userId: UUID, id: UUID) async throws -> Bool {
        self.rows.withLockedValue { rows in
            guard let index = rows.firstIndex(where: { $0.userId == userId && $0.response.id == id }) else { return false }
            rows[index].response.readAt = rows[index].response.readAt ?? Date()
            return true
        }
    }

    func markAllRead(userId: UUID) async throws {
        self.rows.withLockedValue { rows in
            for index in rows.indices where rows[index].userId == userId && rows[index].response.readAt == nil {
                rows[index].response.readAt = Date()
            }
        }
    }

    func reminderMinutes(userId: UUID) async throws -> Int? {
        self.settings.withLockedValue { $0[userId] ?? NotificationLimits.defaultReminderMinutes }
    }

    func setReminderMinutes(userId: UUID, _ minutes: Int?) async throws {
        self.settings.withLockedValue { $0[userId] = .some(minutes) }
    }
}
