public import Foundation

/// One item of the in-app notification list (`GET /v1/notifications`).
public struct NotificationResponse: Codable, Sendable, Equatable {
    public var id: UUID
    /// `invitation`, `schedule_changed`, `schedule_cancelled`, `occurrence_changed`, `occurrence_cancelled`, `reminder`.
    public var kind: String
    public var meetingCode: String?
    public var title: String
    public var body: String
    public var createdAt: Date
    public var readAt: Date?

    public init(id: UUID, kind: String, meetingCode: String?, title: String, body: String, createdAt: Date, readAt: Date?) {
        self.id = id
        self.kind = kind
        self.meetingCode = meetingCode
        self.title = title
        self.body = body
        self.createdAt = createdAt
        self.readAt = readAt
    }
}

/// `GET /v1/notifications/socket`: where a signed-in page opens its user
/// socket (meet-ws `GET /v1/ws/user`, docs/signaling.md "User sockets") to
/// hear of new notifications outside any meeting.
public struct NotificationSocketResponse: Codable, Sendable, Equatable {
    /// `ws://` or `wss://`; present the access token as `?token=`.
    public var wsUrl: String

    public init(wsUrl: String) {
        self.wsUrl = wsUrl
    }
}

/// `GET`/`PUT /v1/users/me/settings`.
public struct UserSettings: Codable, Sendable, Equatable {
    /// Minutes before each occurrence to remind the user, 0–10080; null turns reminders off.
    public var reminderMinutes: Int?

    public init(reminderMinutes: Int?) {
        self.reminderMinutes = reminderMinutes
    }
}

/// `POST /v1/users/me/calendar-feed`: the caller's secret feed URL (shown
/// once; a new POST replaces it and the old one stops working).
public struct CalendarFeedResponse: Codable, Sendable, Equatable {
    public var url: String

    public init(url: String) {
        self.url = url
    }
}
