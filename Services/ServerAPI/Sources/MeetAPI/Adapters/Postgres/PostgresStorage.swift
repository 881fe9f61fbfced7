import Foundation
import Logging
import MeetCore
import MeetDatabase
import PostgresNIO
import ServiceLifecycle

extension APIStorage {
    /// meet-api's storage in production: every repository on `database`,
    /// whose pool runs as a service; with `migrate`, the schema is brought
    /// up to date before the server accepts connections.
    static func postgres(_ database: Database, migrate: Bool) -> APIStorage {
        let meetings = PostgresMeetingRepository(database: database)
        var prepare: (@Sendable (Logger) async throws -> Void)?
        if migrate {
            prepare = { @Sendable logger in try await migrateSchema(database, logger: logger) }
        }
        return APIStorage(
            users: PostgresUserRepository(database: database),
            refreshTokens: PostgresRefreshTokenRepository(database: database),
            meetings: meetings,
            members: meetings,
            participants: PostgresParticipantRepository(database: database),
            bans: PostgresBanRepository(database: database),
            recordings: PostgresRecordingRepository(database: database),
            schedules: PostgresScheduleRepository(database: database),
            invitations: PostgresInvitationRepository(database: database),
            jobs: PostgresJobQueue(database: database),
            notifications: PostgresNotificationRepository(database: database),
            outbox: PostgresOutbox(database: database),
            feeds: PostgresCalendarFeedRepository(database: database),
            whiteboards: PostgresWhiteboardRepository(database: database),
            search: PostgresSearchRepository(database: database),
            accounts: PostgresAccountRepository(database: database),
            seats: PostgresSeatRoleRepository(database: database),
            engagement: PostgresEngagementReports(database: database),
            attachments: PostgresAttachmentRepository(database: database),
            readiness: PostgresReadiness(database: database),
            services: [database],
            prepare: prepare
        )
    }
}

/// Applies ``MeetSchema``'s migrations and logs what it did.
func migrateSchema(_ database: Database, logger: Logger) async throws {
    let applied = try await Migrator(migrations: MeetSchema.migrations, logger: logger).migrate(database)
    logger.info("database schema up to date", metadata: ["applied": "\(applied)"])
}

/// `/readyz` on PostgreSQL: `SELECT 1` answers within the limit or the
/// operation timeout, whichever is shorter.
struct PostgresReadiness: ReadinessProbe {
    let database: Database

    func isReady(within limit: Duration) async -> Bool {
        let database = self.database
        return (try? await withDeadline(min(limit, database.operationTimeout)) { await database.isReachable() }) ?? false
    }
}

/// ``SeatRoleRepository`` on PostgreSQL, with the role rule meet-ws reads
/// too (``MeetSchema/currentSeatRoleSQL``).
struct PostgresSeatRoleRepository: SeatRoleRepository {
    let database: Database

    func refreshRole(meetingId: UUID, userId: UUID) async throws {
        _ = try await self.database.query(
            """
            UPDATE participants p SET role = \(unescaped: MeetSchema.currentSeatRoleSQL)
            FROM meetings m LEFT JOIN members mem ON mem.meeting_id = m.id AND mem.user_id = \(userId)
            WHERE m.id = p.meeting_id AND p.meeting_id = \(meetingId) AND p.user_id = \(userId)
              AND p.status IN ('joining', 'waiting', 'joined')
            """)
    }
}
