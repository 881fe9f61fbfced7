extension APIStorage {
    /// Every repository in one ``MemoryStore``, always ready, nothing to run
    /// or migrate: meet-api's routes without a database, for unit tests.
    /// The integration tests hold it to the same contract as ``postgres(_:migrate:)``.
    static func memory(_ store: MemoryStore = MemoryStore()) -> APIStorage {
        let meetings = MemoryMeetingRepository(store: store)
        let participants = MemoryParticipantRepository(store: store)
        let outbox = MemoryOutbox(jobs: MemoryJobQueue(), notifications: MemoryNotificationRepository(store: store))
        return APIStorage(
            users: MemoryUserRepository(store: store),
            refreshTokens: MemoryRefreshTokenRepository(store: store),
            meetings: meetings,
            members: meetings,
            participants: participants,
            bans: participants,
            recordings: MemoryRecordingRepository(store: store),
            schedules: MemoryScheduleRepository(store: store, outbox: outbox),
            invitations: MemoryInvitationRepository(store: store, outbox: outbox),
            jobs: outbox.jobs,
            notifications: outbox.notifications,
            outbox: outbox,
            feeds: MemoryCalendarFeedRepository(),
            search: MemorySearchRepository(store: store),
            accounts: MemoryAccountRepository(store: store),
            seats: meetings,
            engagement: NoEngagementReports(),
            attachments: MemoryAttachmentRepository(store: store),
            readiness: AlwaysReady(),
            services: [],
            prepare: nil
        )
    }
}

/// The readiness of storage that cannot be unreachable.
struct AlwaysReady: ReadinessProbe {
    func isReady(within limit: Duration) async -> Bool { true }
}
