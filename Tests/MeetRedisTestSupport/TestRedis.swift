import Foundation
public import Logging
public import MeetRedis

/// Shared plumbing for the integration tests: the Redis URL from
/// `scripts/test`, unique names, and clients running for one test's scope.
public enum TestRedis {
    /// `MEET_TEST_REDIS_URL`, set by `scripts/test`. Missing → the test fails (never skips).
    public static func configuration() throws -> RedisConfiguration {
        guard let url = ProcessInfo.processInfo.environment["MEET_TEST_REDIS_URL"], !url.isEmpty else {
            throw MissingEnvironment()
        }
        var configuration = try RedisConfiguration(url: url)
        configuration.requestTimeout = .seconds(10)
        return configuration
    }

    public struct MissingEnvironment: Error, CustomStringConvertible {
        public var description: String {
            "MEET_TEST_REDIS_URL is not set: run the tests through scripts/test, or export it (e.g. redis://127.0.0.1:6379)"
        }
    }

    /// A name no other test (or earlier run) uses.
    public static func unique(_ prefix: String) -> String {
        "meet-test:\(prefix):\(UUID().uuidString.prefix(12))"
    }

    public static let logger: Logger = {
        var logger = Logger(label: "meet.redis.test")
        logger.logLevel = .warning
        return logger
    }()

    /// Runs `body` with a connected client, then shuts it down.
    public static func withClient(
        _ configuration: RedisConfiguration? = nil,
        _ body: @Sendable (RedisClient) async throws -> Void
    ) async throws {
        let client = RedisClient(configuration: try configuration ?? self.configuration(), logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.run() }
            defer { client.shutdown() }
            try await body(client)
        }
    }

    /// Runs `body` with a client and a subscriber, both connected to the same server.
    public static func withClientAndSubscriber(
        _ configuration: RedisConfiguration? = nil,
        _ body: @Sendable (RedisClient, RedisSubscriber) async throws -> Void
    ) async throws {
        let configuration = try configuration ?? self.configuration()
        let subscriber = RedisSubscriber(configuration: configuration, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await subscriber.run() }
            defer { subscriber.shutdown() }
            try await withClient(configuration) { client in try await body(client, subscriber) }
        }
    }
}

/// Fails with a clear message instead of hanging when `body` takes longer than `limit`.
public func withTimeout<T: Sendable>(
    _ limit: Duration = .seconds(10), _ what: String = "operation",
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw TimedOut(what: what, limit: limit)
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

public struct TimedOut: Error, CustomStringConvertible {
    public var what: String
    public var limit: Duration
    public var description: String { "\(what) did not finish within \(limit)" }
}

/// Takes the next `count` messages of a subscription, failing after 10 s.
public func next(_ count: Int, of subscription: RedisSubscription) async throws -> [RedisMessage] {
    try await withTimeout(.seconds(10), "waiting for \(count) message(s)") {
        var messages: [RedisMessage] = []
        for await message in subscription {
            messages.append(message)
            if messages.count == count { break }
        }
        return messages
    }
}
