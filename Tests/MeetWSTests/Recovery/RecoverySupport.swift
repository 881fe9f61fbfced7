import Foundation
import Logging
import MeetRedis
import Testing

/// Runs `body` with a client of the Redis of `scripts/test`
/// (`MEET_TEST_REDIS_URL`), and shuts the client down after it. Records an
/// issue (the test fails) when the variable is not set.
func withTestRedis(_ body: @Sendable (RedisClient) async throws -> Void) async throws {
    guard let url = ProcessInfo.processInfo.environment["MEET_TEST_REDIS_URL"], !url.isEmpty else {
        Issue.record("MEET_TEST_REDIS_URL is not set: run the tests through scripts/test")
        return
    }
    var configuration = try RedisConfiguration(url: url)
    // Generous: on a loaded 2-core machine the first commands (script loads) can take seconds.
    configuration.requestTimeout = .seconds(30)
    let redis = RedisClient(configuration: configuration, logger: Logger(label: "test"))
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await redis.run() }
        defer { redis.shutdown() }
        try await body(redis)
    }
}

/// Polls `condition` every 50 ms until it holds; false after `timeout`
/// (generous: a loaded 2-core machine).
func eventually(timeout: Duration = .seconds(20), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}
