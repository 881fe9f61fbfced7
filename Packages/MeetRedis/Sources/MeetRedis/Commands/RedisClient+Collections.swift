/// Typed helpers for hashes, sets and sorted sets: presence records (a hash
/// per participant), room membership (a set per room), the node registry
/// (a sorted set by load).
extension RedisClient {
    // MARK: Hashes

    /// `HSET key field value...`: how many fields were new.
    @discardableResult
    public func hset(_ key: String, _ fields: [(String, String)]) async throws -> Int {
        guard !fields.isEmpty else { return 0 }
        var command = RedisCommand("HSET", key)
        for (field, value) in fields {
            command.append(field)
            command.append(value)
        }
        return try await Int(send(command).integer ?? 0)
    }

    @discardableResult
    public func hset(_ key: String, _ fields: [String: String]) async throws -> Int {
        try await hset(key, fields.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }

    /// `HGET key field`.
    public func hget(_ key: String, _ field: String) async throws -> String? {
        let reply = try await send("HGET", key, field)
        return reply.isNull ? nil : reply.string
    }

    /// `HGETALL key`: empty when the key does not exist.
    public func hgetall(_ key: String) async throws -> [String: String] {
        let reply = try await send("HGETALL", key)
        guard let items = reply.array, items.count % 2 == 0 else {
            throw RedisClientError.unexpectedReply("\(reply)")
        }
        var result: [String: String] = [:]
        for index in stride(from: 0, to: items.count, by: 2) {
            if let field = items[index].string, let value = items[index + 1].string {
                result[field] = value
            }
        }
        return result
    }

    /// `HDEL key field...`: how many fields were removed.
    @discardableResult
    public func hdel(_ key: String, _ fields: [String]) async throws -> Int {
        guard !fields.isEmpty else { return 0 }
        return try await Int(send(RedisCommand("HDEL", [key] + fields)).integer ?? 0)
    }

    // MARK: Sets

    /// `SADD key member...`: how many members were new.
    @discardableResult
    public func sadd(_ key: String, _ members: [String]) async throws -> Int {
        guard !members.isEmpty else { return 0 }
        return try await Int(send(RedisCommand("SADD", [key] + members)).integer ?? 0)
    }

    /// `SREM key member...`: how many members were removed.
    @discardableResult
    public func srem(_ key: String, _ members: [String]) async throws -> Int {
        guard !members.isEmpty else { return 0 }
        return try await Int(send(RedisCommand("SREM", [key] + members)).integer ?? 0)
    }

    /// `SMEMBERS key`, in no particular order.
    public func smembers(_ key: String) async throws -> [String] {
        try await strings(send("SMEMBERS", key))
    }

    /// `SISMEMBER key member`.
    public func sismember(_ key: String, _ member: String) async throws -> Bool {
        try await send("SISMEMBER", key, member).integer == 1
    }

    // MARK: Sorted sets

    /// `ZADD key score member...`: how many members were new.
    @discardableResult
    public func zadd(_ key: String, _ members: [(score: Double, member: String)]) async throws -> Int {
        guard !members.isEmpty else { return 0 }
        var command = RedisCommand("ZADD", key)
        for (score, member) in members {
            command.append(String(score))
            command.append(member)
        }
        return try await Int(send(command).integer ?? 0)
    }

    /// `ZRANGE key start stop`: members by ascending score (indexes may be negative).
    public func zrange(_ key: String, from start: Int, to stop: Int) async throws -> [String] {
        try await strings(send("ZRANGE", key, String(start), String(stop)))
    }

    /// `ZREM key member...`.
    @discardableResult
    public func zrem(_ key: String, _ members: [String]) async throws -> Int {
        guard !members.isEmpty else { return 0 }
        return try await Int(send(RedisCommand("ZREM", [key] + members)).integer ?? 0)
    }

    // MARK: Keyspace

    /// One `SCAN cursor [MATCH pattern] [COUNT n]` step: the next cursor
    /// ("0" when done) and a batch of keys (possibly empty, possibly repeated).
    public func scan(cursor: String = "0", match pattern: String? = nil, count: Int? = nil) async throws
        -> (cursor: String, keys: [String])
    {
        var command = RedisCommand("SCAN", cursor)
        if let pattern { command.append("MATCH"); command.append(pattern) }
        if let count { command.append("COUNT"); command.append(count) }
        let reply = try await send(command)
        guard let parts = reply.array, parts.count == 2, let next = parts[0].string else {
            throw RedisClientError.unexpectedReply("\(reply)")
        }
        return (next, try strings(parts[1]))
    }

    /// Every key matching `pattern`, by iterating SCAN to the end (deduplicated).
    /// Fine for registries of a few thousand keys; never use KEYS.
    public func scanAll(match pattern: String, count: Int = 500) async throws -> [String] {
        var seen = Set<String>()
        var cursor = "0"
        repeat {
            let step = try await scan(cursor: cursor, match: pattern, count: count)
            seen.formUnion(step.keys)
            cursor = step.cursor
        } while cursor != "0"
        return seen.sorted()
    }

    func strings(_ reply: RESPValue) throws -> [String] {
        guard let items = reply.array else { throw RedisClientError.unexpectedReply("\(reply)") }
        return items.compactMap(\.string)
    }
}
