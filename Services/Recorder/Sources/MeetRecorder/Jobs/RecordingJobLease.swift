public import MeetRedis

/// Who records a recording, across every recorder: a Redis key
/// `{prefix}recorder:job:{recordingID}` holding the recorder's id with a
/// lease (docs/dev/recording.md, "Job flow"). A job published on the bus
/// reaches every recorder; the one whose `claim` wins records it and
/// renews the lease every third of it. A recorder that dies stops renewing:
/// the key expires and the job can be claimed again (by the next one, for a
/// new segment). `renew` and `release` only touch the key while it still
/// names this recorder, so a recorder that was paused past its lease never
/// takes back or deletes a job another recorder now holds.
public struct RecordingJobLease: Sendable {
    public let recorderId: String
    public let lease: Duration
    let redis: RedisClient
    let prefix: String

    /// Renews only while the key names us; 1 when renewed.
    static let renewScript = RedisScript(
        """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
            return redis.call('PEXPIRE', KEYS[1], ARGV[2])
        end
        return 0
        """)
    /// Deletes only while the key names us; 1 when deleted.
    static let releaseScript = RedisScript(
        """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
            return redis.call('DEL', KEYS[1])
        end
        return 0
        """)

    public init(recorderId: String, lease: Duration, redis: RedisClient, keyPrefix: String = "") {
        self.recorderId = recorderId
        self.lease = lease
        self.redis = redis
        self.prefix = keyPrefix
    }

    public func key(_ recordingID: String) -> String { "\(prefix)recorder:job:\(recordingID)" }

    /// True when this recorder now holds the job (nobody held it).
    public func claim(_ recordingID: String) async throws -> Bool {
        try await redis.set(key(recordingID), to: recorderId, expiration: lease, condition: .ifNotExists)
    }

    /// True while this recorder still holds the job; false means another
    /// took it (or it expired): the recorder stops writing it at once.
    public func renew(_ recordingID: String) async throws -> Bool {
        let milliseconds = lease.components.seconds * 1000 + lease.components.attoseconds / 1_000_000_000_000_000
        let result = try await redis.evaluate(Self.renewScript, keys: [key(recordingID)], arguments: [recorderId, String(milliseconds)])
        return result.integer == 1
    }

    /// Gives the job up (the recording stopped, or this recorder drains).
    public func release(_ recordingID: String) async throws {
        _ = try await redis.evaluate(Self.releaseScript, keys: [key(recordingID)], arguments: [recorderId])
    }

    /// The recorder holding the job now, if any.
    public func holder(_ recordingID: String) async throws -> String? {
        try await redis.getString(key(recordingID))
    }
}
