import Foundation
import MeetCore
import MeetDatabase
import PostgresNIO

/// ``RefreshTokenRepository`` on PostgreSQL.
struct PostgresRefreshTokenRepository: RefreshTokenRepository {
    let database: Database

    func issue(userId: UUID, familyId: UUID, tokenHash: String, expiresAt: Date) async throws {
        _ = try await self.database.query(
            """
            INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at)
            VALUES (\(UUID()), \(userId), \(familyId), \(tokenHash), \(expiresAt))
            """
        )
    }

    func rotate(tokenHash: String, newTokenHash: String, newExpiresAt: Date) async throws -> RefreshRotation {
        let logger = self.database.logger
        return try await self.database.withTransaction { connection in
            let rows = try await connection.query(
                """
                SELECT id, user_id, family_id, expires_at > now() AS fresh,
                       rotated_at IS NOT NULL AS rotated, revoked_at IS NOT NULL AS revoked
                FROM refresh_tokens WHERE token_hash = \(tokenHash) FOR UPDATE
                """,
                logger: logger
            ).collect()
            guard let row = rows.first else { return .invalid }
            let columns = RowColumns(row)
            let (id, userId, familyId): (UUID, UUID, UUID) =
                (try columns.decode("id"), try columns.decode("user_id"), try columns.decode("family_id"))
            if try columns.decode("revoked", as: Bool.self) { return .invalid }
            if try columns.decode("rotated", as: Bool.self) {
                try await connection.query(
                    "UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = \(familyId) AND revoked_at IS NULL",
                    logger: logger
                )
                return .reused
            }
            guard try columns.decode("fresh", as: Bool.self) else { return .invalid }
            try await connection.query(
                "UPDATE refresh_tokens SET rotated_at = now() WHERE id = \(id)",
                logger: logger
            )
            try await connection.query(
                """
                INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at)
                VALUES (\(UUID()), \(userId), \(familyId), \(newTokenHash), \(newExpiresAt))
                """,
                logger: logger
            )
            return .rotated(userId: userId)
        }
    }

    func revokeFamily(tokenHash: String) async throws -> Bool {
        let rows = try await self.database.query(
            """
            UPDATE refresh_tokens SET revoked_at = now()
            WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = \(tokenHash))
              AND revoked_at IS NULL
            RETURNING id
            """
        )
        return !rows.isEmpty
    }

    func revokeAll(userId: UUID) async throws {
        _ = try await self.database.query(
            "UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = \(userId) AND revoked_at IS NULL"
        )
    }
}
