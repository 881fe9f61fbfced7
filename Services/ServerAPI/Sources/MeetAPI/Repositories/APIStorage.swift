import Foundation
import Logging
import MeetCore
import ServiceLifecycle

/// Everything meet-api keeps, as ports: the repositories the controllers
/// use, the readiness probe, and what must run for them (the PostgreSQL
/// pool) or happen before the server starts (migrations).
///
/// The injection point of ``buildApplication(configuration:logger:rateLimiter:storage:)``:
/// the service runs on ``postgres(_:migrate:)``; unit tests run the same routes on
/// ``memory(_:)`` (no database), and the integration tests check both
/// against the same contract.
struct APIStorage: Sendable {
    var users: any UserRepository
    var refreshTokens: any RefreshTokenRepository
    var meetings: any MeetingRepository
    var members: any MemberRepository
    var participants: any ParticipantRepository
    /// Kicks that stick (docs/signaling.md, Bans).
    var bans: any BanRepository
    /// Recordings of meetings (docs/dev/recording.md).
    var recordings: any RecordingRepository
    /// When meetings take place (docs/scheduling.md).
    var schedules: any ScheduleRepository
    /// Invitations to meetings (docs/scheduling.md).
    var invitations: any InvitationRepository
    /// The durable job table: email and reminders (docs/operations.md, "Jobs and email").
    var jobs: any JobQueue
    /// In-app notifications and reminder settings.
    var notifications: any NotificationRepository
    /// Notifications and jobs written together, outside a change's own
    /// transaction (the reminder scan); changes write theirs in their own.
    var outbox: any OutboxStore
    /// Secret calendar feed URLs.
    var feeds: any CalendarFeedRepository
    /// The meetings' whiteboards, as meet-ws keeps them (the SVG export).
    var whiteboards: any WhiteboardRepository = MemoryWhiteboardRepository()
    /// Meeting and account search (docs/scheduling.md, "Search").
    var search: any SearchRepository
    /// A user's data: export and account deletion (docs/operations.md, "Data rights").
    var accounts: any AccountRepository
    /// The role of the seats a user holds now, after a membership change.
    var seats: any SeatRoleRepository
    /// Polls and questions for the meeting report (written by meet-ws).
    var engagement: any EngagementReportRepository
    /// Files shared in the chat (docs/signaling.md, "File sharing").
    var attachments: any AttachmentRepository = MemoryAttachmentRepository(store: MemoryStore())
    var readiness: any ReadinessProbe
    /// Long-running services the storage needs, started before the server.
    var services: [any Service]
    /// Brings the storage up to date before the server accepts connections.
    var prepare: (@Sendable (_ logger: Logger) async throws -> Void)?
}

/// Whether the storage answers, for `/readyz`.
protocol ReadinessProbe: Sendable {
    /// True when the storage answered within `limit` (or its own operation timeout, if shorter).
    func isReady(within limit: Duration) async -> Bool
}

/// The seats (live participants) of a user, after their membership changed.
protocol SeatRoleRepository: Sendable {
    /// Sets the role of `userId`'s live seats in `meetingId` to what their
    /// membership says now (owner, the member role, or attendee).
    func refreshRole(meetingId: UUID, userId: UUID) async throws
}
