/// Typed helpers for keys and strings: what presence records, tokens and
/// counters need. Each is one round trip; a Redis error reply throws
/// ``RedisClientError/server(_:)``.
extension RedisClient {
    /// `PING`: `"PONG"` from a healthy server.
    public func ping() async throws -> String {
        try await send("PING").string ?? ""
    }

    /// `GET key`: the value's bytes, or `nil` when the key does not exist.
    public func get(_ key: String) async throws -> [UInt8]? {
        let reply = try await send("GET", key)
        return reply.isNull ? nil : reply.bytes
    }

    /// `GET key` as UTF-8 text.
    public func getString(_ key: String) async throws -> String? {
        try await get(key).map { String(decoding: $0, as: UTF8.self) }
    }

    /// When `SET` may write.
    public enum SetCondition: Sendable {
        case always
        /// `NX`: only when the key does not exist yet (locks, first writer wins).
        case ifNotExists
        /// `XX`: only when the key exists (refreshing a record someone may have deleted).
        case ifExists
    }

    /// `SET key value [PX ms] [NX|XX]`. Returns whether the value was written
    /// (always true unless a condition refused it). The expiry is sent in
    /// milliseconds (`PX`), which also covers whole seconds (`EX`).
    @discardableResult
    public func set(
        _ key: String, to value: [UInt8], expiration: Duration? = nil, condition: SetCondition = .always
    ) async throws -> Bool {
        var command = RedisCommand("SET", key)
        command.append(bytes: value)
        if let expiration {
            command.append("PX")
            command.append(Self.milliseconds(expiration))
        }
        switch condition {
        case .always: break
        case .ifNotExists: command.append("NX")
        case .ifExists: command.append("XX")
        }
        return try await !send(command).isNull
    }

    @discardableResult
    public func set(
        _ key: String, to value: String, expiration: Duration? = nil, condition: SetCondition = .always
    ) async throws -> Bool {
        try await set(key, to: Array(value.utf8), expiration: expiration, condition: condition)
    }

    /// `DEL key...`: how many of the keys existed.
    @discardableResult
    public func delete(_ keys: [String]) async throws -> Int {
        guard !keys.isEmpty else { return 0 }
        return try await Int(send(RedisCommand("DEL", keys)).integer ?? 0)
    }

    @discardableResult
    public func delete(_ keys: String...) async throws -> Int {
        try await delete(keys)
    }

    /// `EXISTS key`.
    public func exists(_ key: String) async throws -> Bool {
        try await send("EXISTS", key).integer == 1
    }

    /// `PEXPIRE key ms` (millisecond precision covers `EXPIRE` too): false
    /// when the key does not exist.
    @discardableResult
    public func expire(_ key: String, after duration: Duration) async throws -> Bool {
        try await send("PEXPIRE", key, String(Self.milliseconds(duration))).integer == 1
    }

    /// `PTTL key`: the remaining time to live; `nil` when the key does not
    /// exist or has no expiry.
    public func timeToLive(_ key: String) async throws -> Duration? {
        let ms = try await send("PTTL", key).integer ?? -2
        return ms >= 0 ? .milliseconds(ms) : nil
    }

    /// `INCRBY key n` (`INCR` for 1): the value after the increment.
    @discardableResult
    public func increment(_ key: String, by amount: Int64 = 1) async throws -> Int64 {
        let reply = amount == 1 ? try await send("INCR", key) : try await send("INCRBY", key, String(amount))
        guard let value = reply.integer else { throw RedisClientError.unexpectedReply("\(reply)") }
        return value
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return max(1, seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }
}
