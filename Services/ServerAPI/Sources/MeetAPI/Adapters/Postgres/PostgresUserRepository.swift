import Foundation
import MeetCore
import MeetDatabase
import PostgresNIO

/// ``UserRepository`` on PostgreSQL. Every value is a bound parameter.
struct PostgresUserRepository: UserRepository {
    let database: Database

    private static let columns = "id, email, password_hash, display_name, created_at"

    func create(email: String, passwordHash: String, displayName: String) async throws -> UserRecord {
        do {
            let rows = try await self.database.query(
                """
                INSERT INTO users (id, email, password_hash, display_name)
                VALUES (\(UUID()), \(email), \(passwordHash), \(displayName))
                RETURNING \(unescaped: Self.columns)
                """
            )
            return try Self.decode(rows[0])
        } catch DatabaseError.uniqueViolation(constraint: "users_email_key") {
            throw RepositoryError.emailTaken
        }
    }

    func find(id: UUID) async throws -> UserRecord? {
        let rows = try await self.database.query("SELECT \(unescaped: Self.columns) FROM users WHERE id = \(id)")
        return try rows.first.map(Self.decode)
    }

    func find(ids: Set<UUID>) async throws -> [UUID: UserRecord] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await self.database.query(
            "SELECT \(unescaped: Self.columns) FROM users WHERE id = ANY(\(Array(ids)))")
        var users: [UUID: UserRecord] = [:]
        for row in rows {
            let user = try Self.decode(row)
            users[user.id] = user
        }
        return users
    }

    func find(email: String) async throws -> UserRecord? {
        let rows = try await self.database.query("SELECT \(unescaped: Self.columns) FROM users WHERE email = \(email)")
        return try rows.first.map(Self.decode)
    }

    func update(id: UUID, displayName: String?, passwordHash: String?) async throws -> UserRecord? {
        let rows = try await self.database.query(
            """
            UPDATE users SET
                display_name = COALESCE(\(displayName), display_name),
                password_hash = COALESCE(\(passwordHash), password_hash),
                updated_at = now()
            WHERE id = \(id)
            RETURNING \(unescaped: Self.columns)
            """
        )
        return try rows.first.map(Self.decode)
    }

    static func decode(_ row: PostgresRow) throws -> UserRecord {
        let columns = RowColumns(row)
        return UserRecord(
            id: try columns.decode("id"), email: try columns.decode("email"), passwordHash: try columns.decode("password_hash"),
            displayName: try columns.decode("display_name"), createdAt: try columns.decode("created_at"))
    }
}
