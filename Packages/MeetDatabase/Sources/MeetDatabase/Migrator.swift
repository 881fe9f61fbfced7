public import Logging
import PostgresNIO

/// Applies ``Migration``s at start-up, safely from many replicas at once.
///
/// Everything happens in one transaction that first takes a transaction-
/// scoped advisory lock, so concurrent starters queue up behind each other;
/// the second one finds every version applied and does nothing. A failing
/// migration rolls the whole run back, leaving the schema as it was.
public struct Migrator: Sendable {
    /// Key of the advisory lock (any constant shared by every replica).
    public static let advisoryLockKey: Int64 = 0x6D65_6574_6D69_6772  // "meetmigr"

    public let migrations: [Migration]
    public let logger: Logger

    public init(migrations: [Migration], logger: Logger) throws(MigrationError) {
        var seen = Set<Int>()
        for migration in migrations where !seen.insert(migration.version).inserted {
            throw MigrationError.duplicateVersion(migration.version)
        }
        self.migrations = migrations.sorted { $0.version < $1.version }
        self.logger = logger
    }

    /// Brings the schema up to date; returns the versions it applied.
    @discardableResult
    public func migrate(_ database: Database) async throws -> [Int] {
        let migrations = self.migrations
        let logger = self.logger
        return try await database.withTransaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.advisoryLockKey))", logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version integer PRIMARY KEY,
                    name text NOT NULL,
                    checksum text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                logger: logger
            )
            var applied: [Int: String] = [:]
            let rows = try await connection.query("SELECT version, checksum FROM schema_migrations", logger: logger)
            for try await row in rows {
                let columns = RowColumns(row)
                applied[try columns.decode("version", as: Int.self)] = try columns.decode("checksum", as: String.self)
            }
            for version in try Self.check(applied: applied, against: migrations) {
                logger.warning(
                    "database has a migration this build does not know (a newer build applied it)",
                    metadata: ["version": "\(version)"]
                )
            }
            var done: [Int] = []
            for migration in migrations where applied[migration.version] == nil {
                logger.info("applying migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    """
                    INSERT INTO schema_migrations (version, name, checksum)
                    VALUES (\(migration.version), \(migration.name), \(migration.checksum))
                    """,
                    logger: logger
                )
                done.append(migration.version)
            }
            return done
        }
    }

    /// Verifies the checksums of applied migrations; returns applied versions this
    /// build does not know (harmless during a rolling update to a newer build).
    static func check(applied: [Int: String], against migrations: [Migration]) throws(MigrationError) -> [Int] {
        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        var unknown: [Int] = []
        for (version, checksum) in applied.sorted(by: { $0.key < $1.key }) {
            guard let migration = known[version] else {
                unknown.append(version)
                continue
            }
            guard migration.checksum == checksum else {
                throw MigrationError.checksumMismatch(version: version, name: migration.name)
            }
        }
        return unknown
    }
}
