/// The shared Redis test helpers (``TestRedis``, ``PrivateRedis``,
/// `withTimeout`), for every file of this target.
@_exported import MeetRedisTestSupport
