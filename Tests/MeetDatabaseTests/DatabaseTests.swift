import Foundation
import Logging
import MeetCore
import MeetDatabase
import MeetTestSupport
import PostgresNIO
import Testing

@Suite("Database wrapper: deadlines and error classification")
struct DatabaseTests {
    @Test("an unreachable database fails fast as unavailable, never hangs")
    func unreachable() async throws {
        // Port 1 on loopback: nothing listens, connections are refused.
        let configuration = try DatabaseConfiguration(
            url: "postgres://postgres@127.0.0.1:1/none?sslmode=disable",
            connectTimeout: .seconds(1),
            operationTimeout: .seconds(1)
        )
        try await TestPostgres.withDatabase(configuration) { database in
            let start = ContinuousClock.now
            do {
                _ = try await database.query("SELECT 1")
                Issue.record("query succeeded against nothing")
            } catch {
                guard case DatabaseError.unavailable = error else {
                    Issue.record("expected unavailable, got \(error)")
                    return
                }
            }
            // Not a timing check: "never hangs" (the deadline is 1 s; a busy 2-core machine once took 11.6 s).
            #expect(ContinuousClock.now - start < .seconds(30))
            #expect(await database.isReachable() == false)
        }
    }

    @Test("constraint violations and bad SQL are classified")
    func classification() async throws {
        try await TestPostgres.withDatabase(try TestPostgres.configuration()) { database in
            let table = "dbtest_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(10).lowercased()
            _ = try await database.query(PostgresQuery(unsafeSQL: "CREATE TABLE \(table) (id int CONSTRAINT \(table)_pk PRIMARY KEY)"))
            defer { Task { _ = try? await database.query(PostgresQuery(unsafeSQL: "DROP TABLE \(table)")) } }
            _ = try await database.query(PostgresQuery(unsafeSQL: "INSERT INTO \(table) VALUES (1)"))
            do {
                _ = try await database.query(PostgresQuery(unsafeSQL: "INSERT INTO \(table) VALUES (1)"))
                Issue.record("duplicate accepted")
            } catch {
                #expect("\(error)" == "unique violation on \(table)_pk")
            }
            do {
                _ = try await database.query("SELEC 1")
                Issue.record("bad SQL accepted")
            } catch {
                guard case DatabaseError.query = error else {
                    Issue.record("expected a query error, got \(error)")
                    return
                }
            }
            // Values are always bound: metacharacters are just data.
            let evil = "'); DROP TABLE \(table); --"
            let echoed = try await database.query("SELECT \(evil)::text")[0].decode(String.self)
            #expect(echoed == evil)
            _ = try await database.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table)"))
        }
    }

    @Test("a transaction rolls back when its body throws, and the error passes through")
    func transactionRollback() async throws {
        struct Abort: Error {}
        try await TestPostgres.withDatabase(try TestPostgres.configuration()) { database in
            let table = "dbtx_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(10).lowercased()
            _ = try await database.query(PostgresQuery(unsafeSQL: "CREATE TABLE \(table) (id int)"))
            await #expect(throws: Abort.self) {
                try await database.withTransaction { connection in
                    try await connection.query(PostgresQuery(unsafeSQL: "INSERT INTO \(table) VALUES (1)"), logger: database.logger)
                    throw Abort()
                }
            }
            let count = try await database.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table)"))[0].decode(Int.self)
            #expect(count == 0)
            _ = try await database.query(PostgresQuery(unsafeSQL: "DROP TABLE \(table)"))
        }
    }

    @Test("errors are classified by type: a body's own error passes through whatever its type is called")
    func classifiedByType() async throws {
        // Its name contains "ConnectionPool": matching type names as strings took it for a pool failure (503).
        struct NotAConnectionPoolFailure: Error {}
        try await TestPostgres.withDatabase(try TestPostgres.configuration()) { database in
            await #expect(throws: NotAConnectionPoolFailure.self) {
                try await database.withTransaction { _ in throw NotAConnectionPoolFailure() }
            }
            await #expect(throws: DatabaseError.self) {
                try await database.withTransaction { _ in throw DeadlineExceeded(limit: .seconds(1)) }
            }
        }
    }

    @Test("rows are read by column name, whatever the position, and a missing name is an error, not a trap")
    func rowsByName() async throws {
        try await TestPostgres.withDatabase(try TestPostgres.configuration()) { database in
            let row = try await database.query("SELECT 'b' AS second, 1 AS first")[0]
            let columns = RowColumns(row)
            #expect(try columns.decode("first", as: Int.self) == 1)
            #expect(try columns.decode("second", as: String.self) == "b")
            #expect(throws: DatabaseError.self) { try columns.decode("third", as: Int.self) }
        }
    }
}

