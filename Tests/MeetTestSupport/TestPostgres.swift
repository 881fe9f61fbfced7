import Foundation
public import Logging
public import MeetCore
public import MeetDatabase
import PostgresNIO

/// The PostgreSQL the tests use, from `MEET_TEST_DATABASE_URL` (set by
/// scripts/test), for every test target that needs one: a running
/// ``Database`` for the length of a closure, a brand-new database per test,
/// or one shared database per test process. Tests fail, not skip, when the
/// variable is missing.
public enum TestPostgres {
    public static let logger: Logger = {
        var logger = Logger(label: "meet.test.postgres")
        logger.logLevel = .warning
        return logger
    }()

    /// The server's configuration (its default database), from `MEET_TEST_DATABASE_URL`.
    ///
    /// Without the circuit breaker unless `breaker` is true. The suites that
    /// use this test what they store, not the breaker (which has its own:
    /// `CircuitBreakerDriverTests`, `PostgresSentinelTests`, the outage test
    /// in `ReadinessTests` and the e2e PostgreSQL outage). With it, two CI
    /// runs in a row failed these suites on a 2-core machine: about 1 100
    /// tests start at once, a slow first operation made the breaker probe,
    /// its fresh connection's `SELECT 1` missed its 1 s deadline, and the
    /// opening failed every operation in flight.
    public static func configuration(breaker: Bool = false) throws -> DatabaseConfiguration {
        guard let url = ProcessInfo.processInfo.environment["MEET_TEST_DATABASE_URL"], !url.isEmpty else {
            throw TestSetupError(
                "MEET_TEST_DATABASE_URL is not set; run through scripts/test or export it, e.g. postgres://postgres@127.0.0.1:55432/meet_dev"
            )
        }
        var configuration = try DatabaseConfiguration(url: url, operationTimeout: .seconds(30))
        if !breaker { configuration.breakerDeadline = nil }
        return configuration
    }

    /// Runs `body` with a running ``Database`` for `configuration`.
    public static func withDatabase<Value: Sendable>(
        _ configuration: DatabaseConfiguration,
        _ body: @Sendable (Database) async throws -> Value
    ) async throws -> Value {
        let database = Database(configuration: configuration, logger: self.logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await database.client.run() }
            defer { group.cancelAll() }
            return try await body(database)
        }
    }

    /// Runs `body` with a brand-new, empty database, dropped afterwards.
    public static func withFreshDatabase<Value: Sendable>(
        _ body: @Sendable (DatabaseConfiguration) async throws -> Value
    ) async throws -> Value {
        let base = try self.configuration()
        let name = "meet_test_core_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        try await self.withDatabase(base) { admin in
            _ = try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
        }
        do {
            let value = try await body(base.with(database: name))
            try await self.drop(name, base: base)
            return value
        } catch {
            try? await self.drop(name, base: base)
            throw error
        }
    }

    /// Creates a database named `<prefix>_<unix time>_<random>` (`prefix`
    /// of letters, digits and `_`). Databases of earlier runs with the same
    /// prefix older than an hour are dropped first (a plain DROP, which
    /// fails harmlessly on one still in use), so repeated runs against a
    /// long-lived PostgreSQL do not pile them up. Meant to be called once
    /// per test process, by a target's own shared `Task`.
    public static func createSharedDatabase(prefix: String) async throws -> String {
        let base = try self.configuration()
        let now = Int(Date().timeIntervalSince1970)
        let name = "\(prefix)_\(now)_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(8).lowercased()
        let fields = prefix.split(separator: "_").count + 2
        let pattern = prefix.replacingOccurrences(of: "_", with: "\\_") + "\\_%"
        try await self.withDatabase(base) { admin in
            let stale = try await admin.query(PostgresQuery(unsafeSQL: "SELECT datname FROM pg_database WHERE datname LIKE '\(pattern)'"))
            for row in stale {
                let old = try RowColumns(row).decode("datname", as: String.self)
                let parts = old.split(separator: "_")
                guard parts.count == fields, let created = Int(parts[fields - 2]), now - created > 3600,
                    old.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" })
                else { continue }
                _ = try? await admin.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(old)"))
            }
            _ = try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
        }
        return name
    }

    private static func drop(_ name: String, base: DatabaseConfiguration) async throws {
        try await self.withDatabase(base) { admin in
            _ = try await admin.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"))
        }
    }
}

/// A test could not be set up (a missing environment variable, say).
public struct TestSetupError: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
