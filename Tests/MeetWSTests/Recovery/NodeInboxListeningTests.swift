import Foundation
import Logging
import MeetProtocol
import MeetRedis
import Testing

@testable import MeetWS

/// The registry's liveness question for a node whose heartbeats are late
/// (issue #23): does it still listen on its bus inbox? A live process keeps
/// its pub/sub subscription however starved it is; a crashed one loses it
/// with its connections. Against the Redis of `scripts/test`.
@Suite struct NodeInboxListeningTests {
    @Test func aNodeListensWhileItsInboxIsSubscribedAndNotAfter() async throws {
        try await withTestRedis { redis in
            let registry = RedisSFURegistry(redis: redis)
            let live = "listening-\(UUID().uuidString.prefix(8))"
            let dead = "silent-\(UUID().uuidString.prefix(8))"
            let subscriber = RedisSubscriber(configuration: redis.configuration, logger: Logger(label: "test"))
            let running = Task { try await subscriber.run() }
            defer { running.cancel() }
            // Held: a subscription whose stream is dropped is withdrawn (UNSUBSCRIBE).
            let inbox = try await subscriber.subscribe(to: BusChannel.sfuInbox(nodeId: live))
            // (subscribe returns once confirmed, or at once when registered before the first connect)
            #expect(try await eventually { try await registry.listening([dead, live]) == [live] })
            #expect(try await registry.listening([]).isEmpty)
            withExtendedLifetime(inbox) {}
            // Its pub/sub connection closes, as a crash closes it: nobody listens.
            subscriber.shutdown()
            #expect(try await eventually { try await registry.listening([dead, live]).isEmpty })
        }
    }
}
