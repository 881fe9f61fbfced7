import MeetRedis

/// The Lua scripts behind ``RedisPresenceStore``; each runs atomically in
/// Redis, which is what makes "whoever removes an entry announces it"
/// exactly-once across replicas. They take the time from Redis (`TIME`),
/// so replicas with skewed clocks still agree on what has expired.
/// Each mirrors the ``PresenceTable`` method of the same name.
enum RedisPresenceScripts {
    private static let now = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        """

    /// The store epoch (``PresenceLedger``): KEYS[n] is the epoch key, ARGV[m]
    /// a fresh token that becomes the epoch when the key is missing (Redis
    /// restarted empty, or first use).
    private static func epoch(key: Int, candidate: Int) -> String {
        """

        local epoch = redis.call('GET', KEYS[\(key)])
        if not epoch then
          epoch = ARGV[\(candidate)]
          redis.call('SET', KEYS[\(key)], epoch)
        end
        """
    }

    /// KEYS: hash, index, epoch. ARGV: field, record, member, ttl ms, epoch candidate.
    /// Returns {previous or '', stored, epoch}.
    static let join = RedisScript(
        now + epoch(key: 3, candidate: 5) + """

            local prev = redis.call('HGET', KEYS[1], ARGV[1])
            local stored = ARGV[2]
            if prev then
              local p = cjson.decode(prev)
              local r = cjson.decode(ARGV[2])
              r.participant.media = p.participant.media
              r.participant.handRaised = p.participant.handRaised
              r.publication = p.publication
              r.subscriptions = p.subscriptions
              if p.status == 'joined' then r.status = 'joined' end
              stored = cjson.encode(r)
            end
            redis.call('HSET', KEYS[1], ARGV[1], stored)
            redis.call('ZADD', KEYS[2], now + tonumber(ARGV[4]), ARGV[3])
            return {prev or '', stored, epoch}
            """)

    /// KEYS: index, epoch. ARGV: ttl ms, epoch candidate, member... Pushes the
    /// expiry of the members that exist; returns {epoch, missing member...}.
    static let heartbeat = RedisScript(
        now + epoch(key: 2, candidate: 2) + """

            local out = {epoch}
            local args = {}
            for i = 3, #ARGV do
              if redis.call('ZSCORE', KEYS[1], ARGV[i]) then
                table.insert(args, now + tonumber(ARGV[1]))
                table.insert(args, ARGV[i])
              else
                table.insert(out, ARGV[i])
              end
            end
            if #args > 0 then redis.call('ZADD', KEYS[1], 'XX', unpack(args)) end
            return out
            """)

    /// KEYS: index. ARGV: hash key prefix, then per entry: meeting id, field,
    /// record, ttl ms, '1' to overwrite or '0' to write only where nothing is.
    /// Returns the 1-based positions of the entries written (a `'0'` entry
    /// where something was already is left alone and not listed).
    static let restore = RedisScript(
        now + """

            local written = {}
            for i = 2, #ARGV, 5 do
              local h = ARGV[1] .. ARGV[i]
              if ARGV[i + 4] == '1' or redis.call('HEXISTS', h, ARGV[i + 1]) == 0 then
                redis.call('HSET', h, ARGV[i + 1], ARGV[i + 2])
                redis.call('ZADD', KEYS[1], now + tonumber(ARGV[i + 3]), ARGV[i] .. '/' .. ARGV[i + 1])
                table.insert(written, (i - 2) / 5 + 1)
              end
            end
            return written
            """)

    /// KEYS: hash, index. ARGV: field, connection id, member, grace ms. Returns 1 when applied.
    static let disconnect = RedisScript(
        now + """

            local prev = redis.call('HGET', KEYS[1], ARGV[1])
            if not prev then return 0 end
            if cjson.decode(prev).connectionId ~= ARGV[2] then return 0 end
            redis.call('ZADD', KEYS[2], 'XX', now + tonumber(ARGV[4]), ARGV[3])
            return 1
            """)

    /// KEYS: hash. ARGV: field, connection id, record. Returns 1 when applied.
    static let replace = RedisScript(
        """
        local prev = redis.call('HGET', KEYS[1], ARGV[1])
        if not prev then return 0 end
        if cjson.decode(prev).connectionId ~= ARGV[2] then return 0 end
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
        return 1
        """)

    /// KEYS: hash, index. ARGV: field, member. Returns the removed record, or nil.
    static let remove = RedisScript(
        """
        local prev = redis.call('HGET', KEYS[1], ARGV[1])
        if not prev then return false end
        redis.call('HDEL', KEYS[1], ARGV[1])
        redis.call('ZREM', KEYS[2], ARGV[2])
        return prev
        """)

    /// KEYS: hash, index. ARGV: meeting id (lower case). Returns the removed records.
    static let removeAll = RedisScript(
        """
        local all = redis.call('HGETALL', KEYS[1])
        local out = {}
        for i = 1, #all, 2 do
          redis.call('ZREM', KEYS[2], ARGV[1] .. '/' .. all[i])
          table.insert(out, all[i + 1])
        end
        redis.call('DEL', KEYS[1])
        return out
        """)

    /// KEYS: index, sweep clock. ARGV: hash key prefix, limit, stall ms, ttl ms.
    /// Returns {member, record, ...} of removed entries, or {'stalled', gap ms,
    /// entries given a fresh TTL}.
    ///
    /// **A stalled Redis expires nobody.** The sweep clock is the Redis time
    /// of the last sweep; replicas sweep every second or so. When the gap is
    /// longer than the stall limit, no replica could reach Redis meanwhile
    /// (it was frozen — SIGSTOP, a stuck disk, a partition — or every replica
    /// was cut off): nobody could write a heartbeat either, so entries that
    /// expired meanwhile say nothing about their sockets. Every entry due
    /// within a TTL gets a fresh TTL instead, and the replicas' next
    /// heartbeats (which run right after) decide from there: an entry whose
    /// replica is alive is refreshed, one whose replica is dead expires a TTL
    /// later and is announced then.
    static let sweep = RedisScript(
        now + """

            local last = tonumber(redis.call('GET', KEYS[2]) or '0')
            redis.call('SET', KEYS[2], now)
            if last > 0 and now - last > tonumber(ARGV[3]) then
              local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now + tonumber(ARGV[4]))
              local args = {}
              for _, m in ipairs(due) do
                table.insert(args, now + tonumber(ARGV[4]))
                table.insert(args, m)
              end
              for i = 1, #args, 1000 do
                redis.call('ZADD', KEYS[1], 'XX', unpack(args, i, math.min(i + 999, #args)))
              end
              return {'stalled', tostring(now - last), tostring(#due)}
            end
            local members = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
            local out = {}
            for _, m in ipairs(members) do
              redis.call('ZREM', KEYS[1], m)
              local slash = string.find(m, '/', 1, true)
              if slash then
                local h = ARGV[1] .. string.sub(m, 1, slash - 1)
                local pid = string.sub(m, slash + 1)
                local rec = redis.call('HGET', h, pid)
                if rec then
                  redis.call('HDEL', h, pid)
                  table.insert(out, m)
                  table.insert(out, rec)
                end
              end
            end
            return out
            """)
}
