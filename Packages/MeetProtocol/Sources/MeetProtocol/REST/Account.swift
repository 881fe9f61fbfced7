import Foundation

/// `DELETE /v1/users/me`: the current password, re-confirmed (a stolen
/// access token alone cannot delete an account).
public struct DeleteAccountRequest: Codable, Sendable, Equatable {
    public var password: String

    public init(password: String) {
        self.password = password
    }
}
