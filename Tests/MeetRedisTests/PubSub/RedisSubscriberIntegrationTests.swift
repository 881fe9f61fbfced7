import Foundation
import Testing

@testable import MeetRedis

/// Pub/sub against the real Redis: delivery, patterns, fan-out to several
/// local subscriptions of one channel, and withdrawal.
@Suite struct RedisSubscriberIntegrationTests {
    @Test func messagesArriveInPublishOrder() async throws {
        try await TestRedis.withClientAndSubscriber { redis, subscriber throws in
            let channel = TestRedis.unique("chan")
            let subscription = try await subscriber.subscribe(to: channel)
            for index in 0..<100 {
                let receivers = try await redis.publish("m\(index)", to: channel)
                #expect(receivers == 1)
            }
            let messages = try await next(100, of: subscription)
            #expect(messages.map { String(decoding: $0.payload, as: UTF8.self) } == (0..<100).map { "m\($0)" })
            #expect(messages.allSatisfy { $0.channel == channel && $0.pattern == nil })
            subscription.cancel()
        }
    }

    @Test func patternSubscriptionCarriesChannelAndPattern() async throws {
        try await TestRedis.withClientAndSubscriber { redis, subscriber throws in
            let prefix = TestRedis.unique("room")
            let subscription = try await subscriber.subscribe(toPattern: "\(prefix):*")
            try await redis.publish("a", to: "\(prefix):1")
            try await redis.publish("ignored", to: "other:\(prefix)")
            try await redis.publish("b", to: "\(prefix):2")
            let messages = try await next(2, of: subscription)
            #expect(messages == [
                RedisMessage(channel: "\(prefix):1", pattern: "\(prefix):*", payload: Array("a".utf8)),
                RedisMessage(channel: "\(prefix):2", pattern: "\(prefix):*", payload: Array("b".utf8)),
            ])
            subscription.cancel()
        }
    }

    @Test func twoLocalSubscriptionsShareOneServerSubscription() async throws {
        try await TestRedis.withClientAndSubscriber { redis, subscriber throws in
            let channel = TestRedis.unique("shared")
            let first = try await subscriber.subscribe(to: channel)
            let second = try await subscriber.subscribe(to: channel)
            #expect(try await redis.publish("x", to: channel) == 1)  // one connection subscribed
            #expect(try await next(1, of: first).first?.payload == Array("x".utf8))
            #expect(try await next(1, of: second).first?.payload == Array("x".utf8))

            // Withdrawing one keeps the other; withdrawing both unsubscribes on the server.
            first.cancel()
            try await redis.publish("y", to: channel)
            #expect(try await next(1, of: second).first?.payload == Array("y".utf8))
            second.cancel()
            try await withTimeout(.seconds(10), "server-side unsubscribe") {
                while try await redis.send("PUBSUB", "NUMSUB", channel).array?.last?.integer != 0 {
                    try await Task.sleep(for: .milliseconds(10))
                }
            }
        }
    }

    @Test func binaryPayloadsAreDeliveredUntouched() async throws {
        try await TestRedis.withClientAndSubscriber { redis, subscriber throws in
            let channel = TestRedis.unique("bin")
            let subscription = try await subscriber.subscribe(to: channel)
            let payload: [UInt8] = [0, 13, 10, 42, 36, 255] + Array(repeating: 1, count: 70_000)
            try await redis.publish(payload, to: channel)
            #expect(try await next(1, of: subscription).first?.payload == payload)
            subscription.cancel()
        }
    }

    @Test func healthCheckPingsDoNotDisturbDelivery() async throws {
        // Pings every 5 ms while 200 messages flow: their "pong" replies must
        // not be mistaken for messages, nor trip the health check.
        var configuration = try TestRedis.configuration()
        configuration.pubSubPingInterval = .milliseconds(5)
        let subscriber = RedisSubscriber(configuration: configuration, logger: TestRedis.logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await subscriber.run() }
            defer { subscriber.shutdown() }
            try await TestRedis.withClient(configuration) { redis throws in
                let channel = TestRedis.unique("health")
                let subscription = try await subscriber.subscribe(to: channel)
                for index in 0..<200 {
                    try await redis.publish("\(index)", to: channel)
                    if index % 20 == 0 { try await Task.sleep(for: .milliseconds(10)) }
                }
                let messages = try await next(200, of: subscription)
                #expect(messages.map { String(decoding: $0.payload, as: UTF8.self) } == (0..<200).map(String.init))
                subscription.cancel()
            }
        }
    }

    @Test func shutdownEndsEverySubscription() async throws {
        let configuration = try TestRedis.configuration()
        let subscriber = RedisSubscriber(configuration: configuration, logger: TestRedis.logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await subscriber.run() }
            let subscription = try await subscriber.subscribe(to: TestRedis.unique("end"))
            subscriber.shutdown()
            let drained = try await withTimeout(.seconds(10), "subscription to end") {
                var count = 0
                for await _ in subscription { count += 1 }
                return count
            }
            #expect(drained == 0)
            try await group.waitForAll()
        }
    }
}
