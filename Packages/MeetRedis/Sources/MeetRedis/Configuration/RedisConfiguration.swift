import NIOCore

/// Where and how to reach Redis: parsed from a `MEET_REDIS_URL`-style URL
/// plus the timing knobs every connection uses.
///
/// Accepted URL forms (TLS `rediss://` is not supported yet):
/// `redis://host`, `redis://host:port`, `redis://host:port/db`,
/// `redis://:password@host:port/db`, `redis://user:password@host:port/db`.
/// User and password may be percent-encoded.
public struct RedisConfiguration: Sendable, Hashable {
    public var host: String
    public var port: Int
    /// ACL user name (Redis 6+); `nil` means the `default` user.
    public var username: String?
    public var password: String?
    /// Database index sent with `SELECT` after connecting; 0 sends nothing.
    public var database: Int
    /// Upper bound for one request, including waiting for a connection.
    public var requestTimeout: Duration
    /// Upper bound for establishing a TCP connection and its AUTH/SELECT.
    public var connectTimeout: Duration
    /// How long to wait between reconnect attempts.
    public var backoff: ExponentialBackoff
    /// The longest a command may go unanswered, with Redis answering
    /// nothing else meanwhile, before the client's circuit breaker opens and
    /// requests fail at once (``CircuitBreaker``); `nil` disables it. The
    /// deadline in force is learned from recent latencies between
    /// ``breakerFloor`` and this (``StallDeadline``): 50 ms while Redis
    /// answers in a millisecond, up to this when it (or this process) has
    /// been slow lately. meet-ws: `MEET_WS_REDIS_BREAKER_MS`.
    public var breakerDeadline: Duration?
    /// The breaker deadline's ceiling unless configured otherwise: 2 s (the
    /// one place this default is written). It was a fixed 500 ms, which a
    /// loaded machine's live Redis overran (the breaker opened on it) while
    /// an idle machine's first requests of a freeze waited it out.
    public static let defaultBreakerDeadline: Duration = .seconds(2)
    /// The shortest the learned deadline becomes: 50 ms, fifty times a
    /// healthy Redis's answer, and under the 100 ms that a request of a
    /// frozen Redis may take before it fails (issue #23).
    public var breakerFloor: Duration = .milliseconds(50)
    /// How often the pub/sub connection, which otherwise only receives, is
    /// PINGed to prove it is alive (``RedisSubscriber``): a frozen Redis
    /// keeps the TCP connection open and says nothing, so without an answer
    /// nothing would tell the subscriber its subscriptions stopped.
    public var pubSubPingInterval: Duration
    /// How long that PING may go unanswered before the connection counts
    /// as lost: it is closed, and the subscriber reconnects and re-subscribes.
    /// meet-ws: `MEET_WS_REDIS_PUBSUB_PING_MS`, meet-sfu:
    /// `MEET_SFU_REDIS_PUBSUB_PING_MS` (``pubSubPing(timeout:)``).
    public var pubSubPingTimeout: Duration
    /// The PING interval unless configured otherwise: 1 s.
    public static let defaultPubSubPing: Duration = .seconds(1)
    /// The PING timeout unless configured otherwise: 3 s. Longer than the
    /// pauses a live Redis makes under load (a fork for a snapshot, a
    /// starved CPU): a shorter one made every subscriber of a Redis that
    /// paused for just over a second reconnect and re-subscribe at once.
    public static let defaultPubSubPingTimeout: Duration = .seconds(3)

    /// Sets the PING timeout, and the interval to a third of it (1 s at
    /// most): one setting for both, as the services read it.
    public mutating func pubSubPing(timeout: Duration) {
        self.pubSubPingTimeout = timeout
        self.pubSubPingInterval = min(Self.defaultPubSubPing, timeout / 3)
    }

    public init(
        host: String = "127.0.0.1",
        port: Int = 6379,
        username: String? = nil,
        password: String? = nil,
        database: Int = 0,
        requestTimeout: Duration = .seconds(5),
        connectTimeout: Duration = .seconds(5),
        backoff: ExponentialBackoff = ExponentialBackoff(),
        breakerDeadline: Duration? = RedisConfiguration.defaultBreakerDeadline,
        pubSubPingInterval: Duration = RedisConfiguration.defaultPubSubPing,
        pubSubPingTimeout: Duration = RedisConfiguration.defaultPubSubPingTimeout
    ) {
        self.pubSubPingInterval = pubSubPingInterval
        self.pubSubPingTimeout = pubSubPingTimeout
        self.breakerDeadline = breakerDeadline
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.requestTimeout = requestTimeout
        self.connectTimeout = connectTimeout
        self.backoff = backoff
    }

    /// Parses `redis://[[user]:password@]host[:port][/db]`.
    public init(url: String) throws(RedisConfigurationError) {
        let scheme = "redis://"
        guard url.lowercased().hasPrefix(scheme) else { throw .unsupportedScheme(url) }
        var rest = Substring(url.dropFirst(scheme.count))
        self.init()

        // Path: "/db". Anything after "?" is ignored.
        if let query = rest.firstIndex(of: "?") { rest = rest[..<query] }
        if let slash = rest.firstIndex(of: "/") {
            let path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
            if !path.isEmpty {
                guard let db = Int(path), db >= 0 else { throw .invalidDatabase(String(path)) }
                database = db
            }
        }

        // Credentials: the last "@" separates them from the host.
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                let user = try Self.decode(credentials[..<colon])
                let pass = try Self.decode(credentials[credentials.index(after: colon)...])
                username = user.isEmpty ? nil : user
                password = pass.isEmpty ? nil : pass
            } else if !credentials.isEmpty {
                // "redis://secret@host": a lone token is the password, as redis-cli reads it.
                password = try Self.decode(credentials)
            }
        }

        // Host and port; "[::1]:6379" for IPv6.
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            rest = rest[rest.index(after: close)...]
            if rest.hasPrefix(":") { port = try Self.port(rest.dropFirst()) }
        } else if let colon = rest.lastIndex(of: ":") {
            host = String(rest[..<colon])
            port = try Self.port(rest[rest.index(after: colon)...])
        } else {
            host = String(rest)
        }
        guard !host.isEmpty else { throw .missingHost(url) }
    }

    private static func port(_ text: Substring) throws(RedisConfigurationError) -> Int {
        guard let port = Int(text), (1...65535).contains(port) else { throw .invalidPort(String(text)) }
        return port
    }

    private static func decode(_ text: Substring) throws(RedisConfigurationError) -> String {
        guard let decoded = text.removingPercentEncodingPortable() else { throw .invalidEncoding }
        return decoded
    }
}

/// Why a Redis URL was refused.
public enum RedisConfigurationError: Error, Hashable, Sendable {
    case unsupportedScheme(String)
    case missingHost(String)
    case invalidPort(String)
    case invalidDatabase(String)
    case invalidEncoding
}

extension Substring {
    /// Percent-decoding without Foundation (MeetRedis does not import it).
    fileprivate func removingPercentEncodingPortable() -> String? {
        var bytes: [UInt8] = []
        var iterator = utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else { bytes.append(byte); continue }
            guard let high = iterator.next(), let low = iterator.next(),
                  let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            else { return nil }
            bytes.append(value)
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
