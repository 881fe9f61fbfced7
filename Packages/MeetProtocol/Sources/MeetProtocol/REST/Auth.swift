public import Foundation

/// `POST /v1/auth/register`.
public struct RegisterRequest: Codable, Sendable, Equatable {
    public var email: String
    /// 6 to 72 bytes of UTF-8 (bcrypt reads no further), no NUL.
    public var password: String
    /// 1 to 80 characters, no control characters.
    public var displayName: String

    public init(email: String, password: String, displayName: String) {
        self.email = email
        self.password = password
        self.displayName = displayName
    }
}

/// `POST /v1/auth/login`.
public struct LoginRequest: Codable, Sendable, Equatable {
    public var email: String
    public var password: String

    public init(email: String, password: String) {
        self.email = email
        self.password = password
    }
}

/// `POST /v1/auth/refresh` and `POST /v1/auth/logout`.
public struct RefreshRequest: Codable, Sendable, Equatable {
    /// The opaque refresh token from the last ``AuthResponse``.
    public var refreshToken: String

    public init(refreshToken: String) {
        self.refreshToken = refreshToken
    }
}

/// Answer to register, login and refresh.
///
/// The access token is a short-lived JWT for the `Authorization: Bearer`
/// header; the refresh token is opaque, single-use (each refresh returns a
/// new one) and revoked by logout.
public struct AuthResponse: Codable, Sendable, Equatable {
    public var user: UserResponse
    public var accessToken: String
    public var accessTokenExpiresAt: Date
    public var refreshToken: String
    public var refreshTokenExpiresAt: Date
    /// Always `Bearer`.
    public var tokenType: String

    public init(
        user: UserResponse,
        accessToken: String,
        accessTokenExpiresAt: Date,
        refreshToken: String,
        refreshTokenExpiresAt: Date,
        tokenType: String = "Bearer"
    ) {
        self.user = user
        self.accessToken = accessToken
        self.accessTokenExpiresAt = accessTokenExpiresAt
        self.refreshToken = refreshToken
        self.refreshTokenExpiresAt = refreshTokenExpiresAt
        self.tokenType = tokenType
    }
}
