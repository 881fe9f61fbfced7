import Foundation

/// ``UserRepository`` in memory (unit tests; ``PostgresUserRepository`` in production).
struct MemoryUserRepository: UserRepository {
    let store: MemoryStore

    func create(email: String, passwordHash: String, displayName: String) async throws -> UserRecord {
        try await self.store.transaction { tables in
            guard !tables.users.values.contains(where: { $0.email == email }) else { throw RepositoryError.emailTaken }
            let user = UserRecord(
                id: UUID(), email: email, passwordHash: passwordHash, displayName: displayName, createdAt: tables.creationTime())
            tables.users[user.id] = user
            return user
        }
    }

    func find(id: UUID) async throws -> UserRecord? {
        await self.store.transaction { $0.users[id] }
    }

    func find(ids: Set<UUID>) async throws -> [UUID: UserRecord] {
        await self.store.transaction { tables in tables.users.filter { ids.contains($0.key) } }
    }

    func find(email: String) async throws -> UserRecord? {
        await self.store.transaction { tables in tables.users.values.first { $0.email == email } }
    }

    func update(id: UUID, displayName: String?, passwordHash: String?) async throws -> UserRecord? {
        await self.store.transaction { tables in
            guard var user = tables.users[id] else { return nil }
            user.displayName = displayName ?? user.displayName
            user.passwordHash = passwordHash ?? user.passwordHash
            tables.users[id] = user
            return user
        }
    }
}

/// ``RefreshTokenRepository`` in memory, with the rotation and reuse rules of
/// ``PostgresRefreshTokenRepository``.
struct MemoryRefreshTokenRepository: RefreshTokenRepository {
    let store: MemoryStore

    func issue(userId: UUID, familyId: UUID, tokenHash: String, expiresAt: Date) async throws {
        await self.store.transaction { tables in
            tables.refreshTokens[tokenHash] = .init(id: UUID(), userId: userId, familyId: familyId, expiresAt: expiresAt)
        }
    }

    func rotate(tokenHash: String, newTokenHash: String, newExpiresAt: Date) async throws -> RefreshRotation {
        await self.store.transaction { tables in
            guard var token = tables.refreshTokens[tokenHash], !token.revoked else { return .invalid }
            if token.rotated {
                Self.revoke(&tables) { $0.familyId == token.familyId }
                return .reused
            }
            guard token.expiresAt > Date() else { return .invalid }
            token.rotated = true
            tables.refreshTokens[tokenHash] = token
            tables.refreshTokens[newTokenHash] = .init(
                id: UUID(), userId: token.userId, familyId: token.familyId, expiresAt: newExpiresAt)
            return .rotated(userId: token.userId)
        }
    }

    func revokeFamily(tokenHash: String) async throws -> Bool {
        await self.store.transaction { tables in
            guard let family = tables.refreshTokens[tokenHash]?.familyId else { return false }
            return Self.revoke(&tables) { $0.familyId == family } > 0
        }
    }

    func revokeAll(userId: UUID) async throws {
        await self.store.transaction { tables in _ = Self.revoke(&tables) { $0.userId == userId } }
    }

    /// Revokes the unrevoked tokens that match; returns how many.
    @discardableResult
    private static func revoke(_ tables: inout MemoryTables, where matches: (MemoryTables.RefreshToken) -> Bool) -> Int {
        var count = 0
        for (hash, token) in tables.refreshTokens where !token.revoked && matches(token) {
            tables.refreshTokens[hash]?.revoked = true
            count += 1
        }
        return count
    }
}
