import Hummingbird
import MeetProtocol

/// `/v1/users/me`: the caller's own account.
struct UserController: Sendable {
    let deps: APIDependencies

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("me", use: self.show)
        group.patch("me", use: self.update)
    }

    /// `GET /v1/users/me` → ``UserResponse``.
    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> JSONResponse<UserResponse> {
        JSONResponse(try context.requireUser().response)
    }

    /// `PATCH /v1/users/me` → ``UserResponse``. A new password needs the
    /// current one (403 `wrong_password` otherwise) and logs out every session.
    @Sendable func update(_ request: Request, context: APIRequestContext) async throws -> JSONResponse<UserResponse> {
        let user = try context.requireUser()
        let body = try await self.deps.body.decode(UpdateUserRequest.self, from: request)
        let displayName = try body.displayName.map { try Validate.displayName($0) }
        var passwordHash: String?
        if let password = body.password {
            try Validate.password(password)
            guard let current = body.currentPassword else {
                throw APIError.validation("currentPassword", "is required to change the password")
            }
            guard (try? Validate.password(current)) != nil,
                try await self.deps.passwords.verify(current, hash: user.passwordHash)
            else {
                throw APIError(.wrongPassword, "the current password is wrong")
            }
            passwordHash = try await self.deps.passwords.hash(password)
        }
        guard let updated = try await self.deps.users.update(id: user.id, displayName: displayName, passwordHash: passwordHash)
        else {
            throw APIError.unauthorized
        }
        if passwordHash != nil {
            try await self.deps.refreshTokens.revokeAll(userId: user.id)
        }
        return JSONResponse(updated.response)
    }
}
