import Foundation

/// Accounts. The PostgreSQL implementation is ``PostgresUserRepository``.
protocol UserRepository: Sendable {
    /// Creates an account; throws ``RepositoryError/emailTaken`` when the email is in use.
    func create(email: String, passwordHash: String, displayName: String) async throws -> UserRecord
    func find(id: UUID) async throws -> UserRecord?
    /// The accounts among `ids`, by id, in one query (none for an empty set);
    /// ids without an account are left out.
    func find(ids: Set<UUID>) async throws -> [UUID: UserRecord]
    /// `email` must already be normalized (see `Validate.email`).
    func find(email: String) async throws -> UserRecord?
    /// Changes the given fields; `nil` when the user does not exist.
    func update(id: UUID, displayName: String?, passwordHash: String?) async throws -> UserRecord?
}

/// Refresh tokens, stored by hash, grouped in families (one per login).
protocol RefreshTokenRepository: Sendable {
    func issue(userId: UUID, familyId: UUID, tokenHash: String, expiresAt: Date) async throws
    /// Atomically retires the token with `tokenHash` and issues `newTokenHash`
    /// in the same family.
    func rotate(tokenHash: String, newTokenHash: String, newExpiresAt: Date) async throws -> RefreshRotation
    /// Revokes the family of the token; false when the token is unknown.
    func revokeFamily(tokenHash: String) async throws -> Bool
    /// Revokes every token of a user (password change).
    func revokeAll(userId: UUID) async throws
}

/// Outcome of ``RefreshTokenRepository/rotate(tokenHash:newTokenHash:newExpiresAt:)``.
enum RefreshRotation: Sendable, Equatable {
    case rotated(userId: UUID)
    /// The token had already been rotated: someone replayed it, so its whole
    /// family has now been revoked.
    case reused
    /// Unknown, expired or revoked.
    case invalid
}

/// Domain-level failures a repository reports (the rest are `DatabaseError`s).
enum RepositoryError: Error, Sendable, Equatable {
    case emailTaken
    case codeTaken
    case alreadyMember
    case userNotFound
}
