import Foundation
import MeetProtocol

/// What a change tells people: in-app notifications and jobs (email), to be
/// written in the change's own transaction (a transactional outbox).
///
/// Before, email and notifications were queued just after the change
/// committed, so a crash or a database error between the two kept the
/// change and lost its email for good. Written with the change, either both
/// are stored or neither is; the job worker then sends the email, retrying
/// through SMTP outages (``JobWorker``).
///
/// Composing an outbox does no I/O (``MeetingNoticePlan`` reads what it needs
/// before the change), so it runs inside the transaction without holding a
/// second pooled connection.
struct Outbox: Sendable, Equatable {
    var notifications: [NewNotification] = []
    var jobs: [NewJob] = []

    var isEmpty: Bool { self.notifications.isEmpty && self.jobs.isEmpty }
}

/// A notification as stored, with its user: what the live push sends.
struct StoredNotification: Sendable, Equatable {
    var userId: UUID
    var notification: NotificationResponse
}

/// A change's result once committed, with the notifications its outbox
/// stored (those a dedupe key skipped are not in it): pushed live afterwards.
struct Committed<Value: Sendable>: Sendable {
    var value: Value
    var stored: [StoredNotification]

    init(_ value: Value, stored: [StoredNotification] = []) {
        self.value = value
        self.stored = stored
    }
}

/// Writes an outbox on its own (a change that is nothing but notices: the
/// reminder scan), in one transaction.
protocol OutboxStore: Sendable {
    /// Stores the notifications and jobs together; returns the notifications stored.
    func write(_ outbox: Outbox) async throws -> [StoredNotification]
}

/// ``OutboxStore`` in memory: the in-memory job queue and notification list,
/// which a memory repository writes after its change (nothing in memory can
/// fail between the two).
struct MemoryOutbox: OutboxStore {
    let jobs: MemoryJobQueue
    let notifications: MemoryNotificationRepository

    func write(_ outbox: Outbox) async throws -> [StoredNotification] {
        let stored = try await self.notifications.add(outbox.notifications)
        _ = try await self.jobs.enqueue(outbox.jobs)
        return stored
    }
}
