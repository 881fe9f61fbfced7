import Foundation
import Hummingbird
import MeetProtocol

/// `/v1/users/me/settings`: the caller's reminder lead.
struct SettingsController: Sendable {
    let deps: APIDependencies

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("me/settings", use: self.show)
        group.put("me/settings", use: self.update)
    }

    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> JSONResponse<UserSettings> {
        let user = try context.requireUser()
        return JSONResponse(UserSettings(reminderMinutes: try await self.deps.notifications.reminderMinutes(userId: user.id)))
    }

    /// `PUT /v1/users/me/settings` → ``UserSettings``; `reminderMinutes` 0–10080 or null (off).
    @Sendable func update(_ request: Request, context: APIRequestContext) async throws -> JSONResponse<UserSettings> {
        let user = try context.requireUser()
        let body = try await self.deps.body.decode(UserSettings.self, from: request)
        if let minutes = body.reminderMinutes, !NotificationLimits.reminderRange.contains(minutes) {
            throw APIError.validation("reminderMinutes", "must be from 0 to 10080, or null to turn reminders off")
        }
        try await self.deps.notifications.setReminderMinutes(userId: user.id, body.reminderMinutes)
        return JSONResponse(body)
    }
}
