import Foundation
import Hummingbird
import Logging
import MeetAuth
import MeetCore
import MeetProtocol

/// Everything the controllers use, wired once by ``buildApplication(configuration:logger:rateLimiter:storage:)``.
///
/// Repositories are protocols (ports), read through from the ``APIStorage``
/// given (`deps.users` is `storage.users`): PostgreSQL in the service,
/// memory in unit tests. Who the caller is comes from the request context
/// (``BearerAuthenticator``), not from here.
@dynamicMemberLookup
struct APIDependencies: Sendable {
    let configuration: APIConfiguration
    let storage: APIStorage
    /// Membership changes reach the seats held now.
    let memberships: MembershipChanges
    /// Recording starts and stops reach the recorders and the room.
    let recordingEvents: any RecordingEvents
    let tokens: TokenService
    let passwords: PasswordHasher
    let limits: AttemptLimits
    let body: JSONBody
    /// In-app notifications and email about invitations and schedule changes.
    let notices: MeetingNotices

    init(
        configuration: APIConfiguration, storage: APIStorage, rateLimiter: any RateLimiter,
        roomNotifier: any RoomNotifier = SilentRoomNotifier(),
        recordingEvents: any RecordingEvents = SilentRecordingEvents(),
        notificationPush: any NotificationPush = SilentNotificationPush(), logger: Logger = Logger(label: "meet-api")
    ) async {
        self.configuration = configuration
        self.storage = storage
        self.memberships = MembershipChanges(seats: storage.seats, notifier: roomNotifier, logger: logger)
        self.recordingEvents = recordingEvents
        self.tokens = await TokenService(
            configuration: configuration.core.jwt,
            accessTokenTTL: configuration.accessTokenTTL,
            joinTokenTTL: configuration.joinTokenTTL
        )
        self.passwords = PasswordHasher(cost: configuration.bcryptCost)
        self.limits = AttemptLimits(limiter: rateLimiter, window: configuration.authRateLimitWindow)
        self.body = JSONBody(limit: configuration.http.maxBodyBytes)
        self.notices = MeetingNotices(
            storage: storage, composer: EmailComposer(from: configuration.email.from, publicURL: configuration.email.publicURL),
            emailEnabled: configuration.email.smtp != nil, live: notificationPush, logger: logger)
    }

    /// The storage's repositories and probe: `deps.meetings`, `deps.bans`, ….
    subscript<Port>(dynamicMember keyPath: KeyPath<APIStorage, Port>) -> Port {
        self.storage[keyPath: keyPath]
    }

    /// The authentication middleware of the routes that read a bearer token.
    var authenticator: BearerAuthenticator {
        BearerAuthenticator(tokens: self.tokens, users: self.users)
    }
}

// MARK: Meetings

extension APIDependencies {
    /// The meeting named by the `{code}` path parameter; 404 when the code is
    /// malformed or unknown.
    func meeting(_ context: APIRequestContext) async throws -> MeetingRecord {
        guard let code = context.parameters.get("code"), MeetingCode.isValid(code),
            let meeting = try await self.meetings.find(code: code)
        else {
            throw APIError.meetingNotFound
        }
        return meeting
    }

    /// Like ``meeting(_:)``, for the operations an ended meeting no longer
    /// has (all but listing it and ending it): 410 `meeting_ended` once it has ended.
    func activeMeeting(_ context: APIRequestContext) async throws -> MeetingRecord {
        let meeting = try await self.meeting(context)
        try meeting.requireActive()
        return meeting
    }

    /// The caller's role in `meeting`; 403 unless it is one of `allowed`.
    @discardableResult
    func requireRole(_ allowed: Set<MemberRole>, in meeting: MeetingRecord, user: UserRecord) async throws -> MemberRole {
        guard let role = try await self.members.role(meetingId: meeting.id, userId: user.id), allowed.contains(role) else {
            throw APIError.forbidden
        }
        return role
    }
}

extension MeetingRecord {
    /// 410 `meeting_ended` unless the meeting is active. Handlers that
    /// authorize the caller call it after that check, so a caller who may not
    /// act on the meeting learns 403, not whether it ended.
    func requireActive() throws {
        guard self.status == .active else { throw APIError.meetingEnded }
    }
}
