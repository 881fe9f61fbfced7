import Foundation
import Logging
import MeetTestSupport
import PostgresNIO
import Testing
@testable import MeetDatabase

@Suite("The circuit breaker's own connection")
struct PostgresSentinelTests {
    /// The backends of connections named `name` now.
    static func backends(_ database: Database, named name: String) async throws -> Int {
        let rows = try await database.query("SELECT count(*)::int FROM pg_stat_activity WHERE application_name = \(name)")
        return try rows[0].decode(Int.self)
    }

    @Test("probes whose deadline ends around the answer close every connection they opened and did not keep")
    func racingDeadlines() async throws {
        let configuration = try TestPostgres.configuration()
        try await TestPostgres.withDatabase(configuration) { database in
            // The probes' connections by name: other suites share the database.
            let name = "sentinel-test-\(UUID().uuidString.prefix(8))"
            var connection = try configuration.connectionConfiguration()
            connection.options.additionalStartupParameters = [("application_name", name)]
            let sentinel = PostgresSentinel(configuration: connection, logger: Logger(label: "test.sentinel"))
            // Not keeping: each probe connects, asks and closes. Deadlines from
            // 0.1 ms up to 11 ms cross the time a connect and a `SELECT 1` take,
            // so some end while the answer is on its way (a connection dropped
            // there unclosed trips PostgresNIO's assertion in a debug build).
            // Every probe's connection is closed again (closes run in the background).
            func drained() async throws -> Int {
                var open = try await Self.backends(database, named: name)
                for _ in 0..<200 where open > 0 {
                    try await Task.sleep(for: .milliseconds(50))
                    open = try await Self.backends(database, named: name)
                }
                return open
            }
            // A few probes only: this suite runs beside every other database suite,
            // and in both CI runs with 80 or 200 probes back to back, other suites
            // timed out on PostgreSQL while it ran (perhaps its connects' doing).
            // So it shows the closing, and does not force the race itself.
            var answered = 0
            for step in 0..<12 {
                if await sentinel.probe(timeout: .microseconds(100 + step * 1_000)) { answered += 1 }
            }
            #expect(try await drained() == 0, "connections left open by probes")
            #expect(await sentinel.probe(timeout: .seconds(5)), "a probe with time enough is answered")
            #expect(answered < 12, "the shortest deadlines end before an answer")
            #expect(try await drained() == 0, "connections left open by probes")
        }
    }
}
