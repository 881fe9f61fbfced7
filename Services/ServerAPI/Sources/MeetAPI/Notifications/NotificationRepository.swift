import Foundation
import MeetProtocol

/// The in-app notifications of users (`notifications`) and their reminder
/// setting (`user_settings`).
protocol NotificationRepository: Sendable {
    /// Inserts them; one whose `dedupeKey` exists already is skipped.
    /// Returns those stored. A change's notifications go through its
    /// ``Outbox`` instead, in its transaction.
    @discardableResult
    func add(_ notifications: [NewNotification]) async throws -> [StoredNotification]
    /// Newest first, after the notification `cursor`, at most `limit`.
    func list(userId: UUID, after cursor: UUID?, unreadOnly: Bool, limit: Int) async throws -> [NotificationResponse]
    /// False when the user has no such notification.
    func markRead(userId: UUID, id: UUID) async throws -> Bool
    func markAllRead(userId: UUID) async throws
    /// The user's reminder lead in minutes; `nil` when they turned reminders
    /// off; ``NotificationLimits/defaultReminderMinutes`` until they choose.
    func reminderMinutes(userId: UUID) async throws -> Int?
    func setReminderMinutes(userId: UUID, _ minutes: Int?) async throws
}

enum NotificationLimits {
    static let defaultReminderMinutes = 10
    static let reminderRange = 0...10_080
}

struct NewNotification: Sendable, Equatable {
    var userId: UUID
    var kind: String
    var meetingId: UUID?
    var title: String
    var body: String
    var dedupeKey: String?
}
