/// Pub/sub publishing and Lua scripts.
extension RedisClient {
    /// `PUBLISH channel payload`: how many subscribers received it (0 means
    /// nobody listens on that channel right now).
    @discardableResult
    public func publish(_ payload: [UInt8], to channel: String) async throws -> Int {
        var command = RedisCommand("PUBLISH", channel)
        command.append(bytes: payload)
        return try await Int(send(command).integer ?? 0)
    }

    @discardableResult
    public func publish(_ payload: String, to channel: String) async throws -> Int {
        try await publish(Array(payload.utf8), to: channel)
    }

    /// `EVAL script numkeys key... arg...`: runs a Lua script atomically.
    public func eval(_ script: String, keys: [String] = [], arguments: [String] = []) async throws -> RESPValue {
        try await send(RedisCommand("EVAL", [script, String(keys.count)] + keys + arguments))
    }

    /// Runs `script` by its SHA1 (`EVALSHA`), loading it with `EVAL` when the
    /// server does not know it yet (first use, or after a restart/failover).
    public func evaluate(_ script: RedisScript, keys: [String] = [], arguments: [String] = []) async throws -> RESPValue {
        let tail = [String(keys.count)] + keys + arguments
        let reply = try await pipeline([RedisCommand("EVALSHA", [script.sha1] + tail)])[0]
        if case .error(let message) = reply {
            guard message.hasPrefix("NOSCRIPT") else { throw RedisClientError.server(message) }
            return try await send(RedisCommand("EVAL", [script.source] + tail))
        }
        return reply
    }
}
