import Foundation
public import MeetCore
import MeetRedis

/// Everything meet-ws reads from its environment (see docs/configuration.md).
public struct WSConfiguration: ServiceSettings {
    /// Mode, logging, PostgreSQL, Redis, JWT key (shared with meet-api).
    public var core: CoreConfiguration
    /// Listen address (`MEET_HTTP_PORT` defaults to 8081 for meet-ws).
    public var http: HTTPConfiguration
    /// This replica's id (`MEET_WS_REPLICA_ID`); its bus inbox is `ws:{replicaId}`.
    public var replicaId: String
    /// How long a participant's presence lives without a heartbeat
    /// (`MEET_WS_PRESENCE_TTL_SECONDS`): a dead replica's participants are
    /// reported `participant-left` within about this long.
    public var presenceTTL: Duration
    /// How long a dropped socket may take to come back and resume without
    /// anyone seeing it leave (`MEET_WS_RESUME_GRACE_SECONDS`).
    public var resumeGrace: Duration
    /// Lifetime of the resume tokens handed to seated sockets
    /// (`MEET_WS_RESUME_TOKEN_TTL_SECONDS`, default 600); each socket gets a
    /// fresh one every third of it, so a seat stays resumable while it lives.
    public var resumeTokenTTL: Duration
    /// How often expired presence is swept (`MEET_WS_SWEEP_INTERVAL_MS`).
    public var sweepInterval: Duration
    /// Largest accepted message (`MEET_WS_MAX_MESSAGE_BYTES`); larger closes with 1009.
    public var maxMessageBytes: Int
    /// Sustained messages per second per socket (`MEET_WS_RATE_PER_SECOND`).
    public var ratePerSecond: Int
    /// Burst allowance above the sustained rate (`MEET_WS_RATE_BURST`).
    public var rateBurst: Int
    /// Prefix for every Redis key and channel (`MEET_WS_KEY_PREFIX`, default
    /// none): lets several independent clusters share one Redis (tests).
    public var keyPrefix: String
    /// Honour a client's `nodeId` in `publish` (`MEET_WS_PLACEMENT_HINTS`,
    /// default false): tests use it to put publishers on chosen nodes.
    public var placementHints: Bool
    /// A node record older than this is ignored by placement
    /// (`MEET_WS_SFU_STALE_MS`, default 1500, three missed heartbeats of
    /// 500 ms): the node stopped heartbeating. A node this replica saw fresh
    /// and has not seen fresh for longer than this is declared lost when it
    /// no longer listens on its bus inbox, else after four times this
    /// (``NodeWatch``).
    public var sfuStaleness: Duration
    /// How often the node watcher reads the SFU registry for draining and
    /// lost nodes (`MEET_WS_NODE_WATCH_MS`, default 250).
    public var nodeWatchInterval: Duration
    /// How long meet-ws waits for an SFU node's reply (`MEET_WS_SFU_TIMEOUT_MS`, default 5000).
    public var sfuTimeout: Duration
    /// The TURN relay whose credentials each snapshot carries (`MEET_TURN_*`;
    /// disabled by default).
    public var turn: TURNConfiguration
    /// Queue bounds, deadlines and connection limits (`MEET_WS_*`, see ``WSLimits``).
    public var limits: WSLimits
    /// The longest a Redis command may go unanswered before the client's
    /// circuit breaker opens and requests fail at once; the deadline in force
    /// is learned between 50 ms and this (`MEET_WS_REDIS_BREAKER_MS`, default
    /// 2000; 0 disables it): ``RedisConfiguration/breakerDeadline``.
    public var redisBreakerDeadline: Duration? = RedisConfiguration.defaultBreakerDeadline
    /// How long a PING on the Redis pub/sub connection may go unanswered
    /// before its subscriptions count as lost and are made again; PINGs go
    /// every third of it, 1 s at most (`MEET_WS_REDIS_PUBSUB_PING_MS`,
    /// default 3000): ``RedisConfiguration/pubSubPing(timeout:)``.
    public var redisPubSubPing: Duration = RedisConfiguration.defaultPubSubPingTimeout
    /// The shortest time between two `active-speakers` events to a room
    /// (`MEET_WS_ACTIVE_SPEAKERS_INTERVAL_MS`, default 250: four a second at
    /// most; each is sent only when the ranking changed). 0 turns the
    /// events off on this replica.
    public var activeSpeakersInterval: Duration = .milliseconds(250)
    /// How often talk time measured on this replica is written to
    /// PostgreSQL (`MEET_WS_TALK_TIME_FLUSH_SECONDS`, default 15, 1...300):
    /// also what a crash of the replica loses at most
    /// (docs/scheduling.md, "Talk time"). Measured with the active speakers,
    /// so off when they are.
    public var talkTimeFlush: Duration = .seconds(15)
    /// Bounds on `video-preferences` (last-N): ``VideoSelectionLimits``.
    public var video = VideoSelectionLimits()
    /// Bounds on a meeting's whiteboard: ``WhiteboardLimits``.
    public var whiteboard = WhiteboardLimits()
    /// Bounds on user sockets (`GET /v1/ws/user`): ``UserSocketLimits``.
    public var userSockets = UserSocketLimits()
    /// The WebSocket upgrade header an ingress sets to the client's region
    /// (`MEET_WS_REGION_HEADER`, default `X-Meet-Region`; empty: none read):
    /// ``PlacementRegion``.
    public var regionHeader: String? = "X-Meet-Region"
    /// This replica's region, preferred for publishers that bring none
    /// (`MEET_WS_REGION`, default none: no preference).
    public var region: String?

    public init(
        core: CoreConfiguration,
        http: HTTPConfiguration = HTTPConfiguration(port: 8081),
        replicaId: String = WSConfiguration.defaultReplicaId(),
        presenceTTL: Duration = .seconds(15),
        resumeGrace: Duration = .seconds(20),
        resumeTokenTTL: Duration = .seconds(600),
        sweepInterval: Duration = .seconds(1),
        maxMessageBytes: Int = 64 * 1024,
        ratePerSecond: Int = 20,
        rateBurst: Int = 40,
        keyPrefix: String = "",
        placementHints: Bool = false,
        sfuStaleness: Duration = .milliseconds(1500),
        sfuTimeout: Duration = .seconds(5),
        nodeWatchInterval: Duration = .milliseconds(250),
        turn: TURNConfiguration = .disabled,
        limits: WSLimits = WSLimits()
    ) {
        self.core = core
        self.http = http
        self.replicaId = replicaId
        self.presenceTTL = presenceTTL
        self.resumeGrace = resumeGrace
        self.resumeTokenTTL = resumeTokenTTL
        self.sweepInterval = sweepInterval
        self.maxMessageBytes = maxMessageBytes
        self.ratePerSecond = ratePerSecond
        self.rateBurst = rateBurst
        self.keyPrefix = keyPrefix
        self.placementHints = placementHints
        self.sfuStaleness = sfuStaleness
        self.sfuTimeout = sfuTimeout
        self.nodeWatchInterval = nodeWatchInterval
        self.turn = turn
        self.limits = limits
    }

    /// Reads every variable; throws on the first one that is missing or malformed.
    public init(environment: EnvironmentReader) throws(ConfigurationError) {
        let core = try CoreConfiguration(environment: environment)
        let replicaId = try environment.identifier("MEET_WS_REPLICA_ID", default: Self.defaultReplicaId)
        self.init(
            core: core,
            http: try HTTPConfiguration(environment: environment, mode: core.mode, defaultPort: 8081),
            replicaId: replicaId,
            presenceTTL: try environment.seconds("MEET_WS_PRESENCE_TTL_SECONDS", default: 15, in: 1...3600),
            resumeGrace: try environment.seconds("MEET_WS_RESUME_GRACE_SECONDS", default: 20, in: 1...3600),
            resumeTokenTTL: try environment.seconds("MEET_WS_RESUME_TOKEN_TTL_SECONDS", default: 600, in: 3...86_400),
            sweepInterval: .milliseconds(try environment.int("MEET_WS_SWEEP_INTERVAL_MS", default: 1000, in: 50...60_000)),
            maxMessageBytes: try environment.int("MEET_WS_MAX_MESSAGE_BYTES", default: 64 * 1024, in: 1024...(1 << 20)),
            ratePerSecond: try environment.int("MEET_WS_RATE_PER_SECOND", default: 20, in: 1...10_000),
            rateBurst: try environment.int("MEET_WS_RATE_BURST", default: 40, in: 1...100_000),
            keyPrefix: environment.string("MEET_WS_KEY_PREFIX", default: ""),
            placementHints: try environment.bool("MEET_WS_PLACEMENT_HINTS", default: false),
            sfuStaleness: .milliseconds(try environment.int("MEET_WS_SFU_STALE_MS", default: 1500, in: 100...600_000)),
            sfuTimeout: .milliseconds(try environment.int("MEET_WS_SFU_TIMEOUT_MS", default: 5000, in: 100...60_000)),
            nodeWatchInterval: .milliseconds(try environment.int("MEET_WS_NODE_WATCH_MS", default: 250, in: 50...10_000)),
            turn: try TURNConfiguration(environment: environment),
            limits: try WSLimits(environment: environment)
        )
        let breakerMs = try environment.int(
            "MEET_WS_REDIS_BREAKER_MS", default: Int(RedisConfiguration.defaultBreakerDeadline / .milliseconds(1)), in: 0...60_000)
        self.redisBreakerDeadline = breakerMs == 0 ? nil : .milliseconds(breakerMs)
        self.redisPubSubPing = .milliseconds(try environment.int(
            "MEET_WS_REDIS_PUBSUB_PING_MS", default: Int(RedisConfiguration.defaultPubSubPingTimeout / .milliseconds(1)),
            in: 100...60_000))
        let speakersMs = try environment.int("MEET_WS_ACTIVE_SPEAKERS_INTERVAL_MS", default: 250, in: 0...10_000)
        guard speakersMs == 0 || speakersMs >= 50 else {
            throw ConfigurationError(variable: "MEET_WS_ACTIVE_SPEAKERS_INTERVAL_MS", message: "must be 0 (off) or 50...10000")
        }
        self.activeSpeakersInterval = .milliseconds(speakersMs)
        self.talkTimeFlush = .seconds(try environment.int("MEET_WS_TALK_TIME_FLUSH_SECONDS", default: 15, in: 1...300))
        self.video = try VideoSelectionLimits(environment: environment)
        self.whiteboard = try WhiteboardLimits(environment: environment)
        self.userSockets = try UserSocketLimits(environment: environment)
        try self.whiteboard.check(outboundQueueBytes: self.limits.mailbox.eventBytes)
        let header = environment.string("MEET_WS_REGION_HEADER", default: "X-Meet-Region")
        guard header.isEmpty || (header.utf8.count <= 64 && header.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }))
        else {
            throw ConfigurationError(variable: "MEET_WS_REGION_HEADER", message: "must be a header name (letters, digits and -) or empty")
        }
        self.regionHeader = header.isEmpty ? nil : header
        let region = environment.string("MEET_WS_REGION", default: "")
        guard region.isEmpty || PlacementRegion.isValid(region) else {
            throw ConfigurationError(variable: "MEET_WS_REGION", message: "1 to 64 characters of A-Z a-z 0-9 . _ -, or empty")
        }
        self.region = region.isEmpty ? nil : region
    }

    /// `hostname-xxxxxx`: unique per process even when pods share a name.
    public static func defaultReplicaId() -> String {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "ws"
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        let suffix = String((0..<6).map { _ in alphabet.randomElement()! })
        let clean = host.filter { $0.isLetter || $0.isNumber || $0 == "-" }
        return "\(clean.isEmpty ? "ws" : clean)-\(suffix)"
    }

    /// ``CoreConfiguration/logging``.
    public var logging: LoggingConfiguration { self.core.logging }

    /// Per-session queue bounds (``WSLimits/mailbox``).
    public var mailboxLimits: MailboxLimits { self.limits.mailbox }

    /// How often this replica refreshes its participants' presence (a third of the TTL).
    public var heartbeatInterval: Duration { self.presenceTTL / 3 }

    /// A gap between two presence sweeps longer than this means Redis
    /// stalled (frozen, or unreachable from every replica), and the sweep
    /// gives every entry a fresh TTL instead of expiring them (issue #23):
    /// twice the sweep interval, at least a heartbeat interval. An entry has
    /// at least two thirds of the TTL left between heartbeats, so a stall long
    /// enough to expire one is longer than this with the default settings.
    public var presenceStallAfter: Duration { max(self.sweepInterval * 2, self.heartbeatInterval) }

    /// How often a seated socket gets a fresh resume token (a third of its lifetime).
    public var credentialRenewalInterval: Duration { self.resumeTokenTTL / 3 }
}
