import MeetCore
import MeetRedis
import Testing

@testable import MeetSFUNode

/// meet-sfu's pub/sub PING deadline (issue #23): the same setting as
/// meet-ws's, 3 s by default (it was a fixed 1 s, so every node
/// re-subscribed its inbox on any Redis pause over a second).
@Suite struct RedisPubSubPingTests {
    @Test func threeSecondsByDefaultWithAPingEverySecond() throws {
        let configuration = try SFUNodeConfiguration(environment: EnvironmentReader([:]))
        #expect(configuration.redisPubSubPing == .seconds(3))
        var redis = RedisConfiguration()
        redis.pubSubPing(timeout: configuration.redisPubSubPing)
        #expect(redis.pubSubPingTimeout == .seconds(3) && redis.pubSubPingInterval == .seconds(1))
    }

    @Test func setByEnvironmentAndCheckedForRange() throws {
        let short = try SFUNodeConfiguration(environment: EnvironmentReader(["MEET_SFU_REDIS_PUBSUB_PING_MS": "300"]))
        #expect(short.redisPubSubPing == .milliseconds(300))
        var redis = RedisConfiguration()
        redis.pubSubPing(timeout: short.redisPubSubPing)
        #expect(redis.pubSubPingInterval == .milliseconds(100))
        #expect(throws: ConfigurationError.self) {
            _ = try SFUNodeConfiguration(environment: EnvironmentReader(["MEET_SFU_REDIS_PUBSUB_PING_MS": "10"]))
        }
    }
}
