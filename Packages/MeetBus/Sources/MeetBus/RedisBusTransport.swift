public import Logging
public import MeetRedis

/// The bus over Redis pub/sub: PUBLISH on the command connection, SUBSCRIBE
/// on the subscriber's dedicated connection.
public struct RedisBusTransport: BusTransport {
    public let client: RedisClient
    public let subscriber: RedisSubscriber

    public init(client: RedisClient, subscriber: RedisSubscriber) {
        self.client = client
        self.subscriber = subscriber
    }

    public func publish(_ payload: [UInt8], to channel: String) async throws -> Int {
        try await client.publish(payload, to: channel)
    }

    public func subscribe(to channel: String) async throws -> BusTransportSubscription {
        let subscription = try await subscriber.subscribe(to: channel)
        return BusTransportSubscription(subscription, cancel: { subscription.cancel() }) {
            BusTransportMessage(channel: $0.channel, payload: $0.payload)
        }
    }

    public var isLive: Bool { subscriber.isLive }

    public func events() -> AsyncStream<PubSubEvent> {
        subscriber.events()
    }
}

extension BusEndpoint {
    /// An endpoint on Redis: PUBLISH through `client`, SUBSCRIBE through `subscriber`.
    public static func redis(
        inbox: String, client: RedisClient, subscriber: RedisSubscriber, logger: Logger
    ) -> BusEndpoint {
        BusEndpoint(inbox: inbox, transport: RedisBusTransport(client: client, subscriber: subscriber), logger: logger)
    }
}
