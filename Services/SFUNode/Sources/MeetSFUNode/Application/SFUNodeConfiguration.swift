import Foundation
public import MeetCore
import MeetRedis

/// Everything meet-sfu reads from its environment (docs/configuration.md).
/// The SFU needs no database or JWT key, so it composes the mode and logging
/// parts of the shared configuration instead of `CoreConfiguration`.
public struct SFUNodeConfiguration: ServiceSettings {
    public var mode: DeploymentMode
    public var logging: LoggingConfiguration
    /// `/healthz`, `/readyz`, `/metrics` (`MEET_HTTP_PORT`, default 8090).
    public var http: HTTPConfiguration
    /// `MEET_REDIS_URL`: registry and bus.
    public var redisURL: String
    /// This node's id (`MEET_NODE_ID`, default the host name); inbox `sfu:{nodeId}`.
    public var nodeId: String
    /// The one UDP port for every peer connection (`MEET_SFU_UDP_PORT`, default 10000).
    public var udpPort: Int
    /// Address the UDP socket binds to (`MEET_SFU_UDP_HOST`, default 0.0.0.0).
    public var udpHost: String
    /// Address written into ICE candidates (`MEET_SFU_PUBLIC_IP`, default 127.0.0.1).
    public var publicIP: String
    /// A STUN server to learn the public address from at start-up instead
    /// (`MEET_SFU_PUBLIC_IP_STUN`, e.g. `stun.l.google.com:19302`): for
    /// cloud machines whose public address is mapped 1:1 onto a private one.
    public var publicIPDiscovery: STUNServer?
    /// Negotiate transport-wide congestion control with publishers and send
    /// them feedback (`MEET_SFU_TRANSPORT_CC`, default true). Off, browsers
    /// estimate their upstream bandwidth from loss alone and ramp up slowly.
    public var transportWideFeedback: Bool
    /// Send REMB from the node's receive-side estimate to publishers that
    /// negotiated `goog-remb` but get no transport-wide feedback
    /// (`MEET_SFU_REMB`, default true). Off, such senders (aiortc, older
    /// clients) get no bandwidth signal and stay at their start bitrate.
    public var receiverEstimate: Bool
    /// Free-form region label for placement (`MEET_SFU_REGION`, default "local").
    public var region: String
    /// How often the registry record is rewritten (`MEET_SFU_HEARTBEAT_MS`,
    /// default 500): ServerWS takes a record older than about three
    /// heartbeats for a lost node, so a crash is noticed within seconds.
    public var heartbeatInterval: Duration
    /// The record's TTL in Redis (`MEET_SFU_RECORD_TTL_MS`, default 3000).
    public var recordTTL: Duration
    /// How long a SIGTERM'd node keeps forwarding while its clients migrate
    /// before it closes what is left and exits (`MEET_SFU_DRAIN_TIMEOUT`,
    /// whole seconds, default 30; 0 closes at once).
    public var drainTimeout: Duration
    /// How long a retired publisher transport (`sfu.retire-transport`) keeps
    /// forwarding to subscribers that have not moved yet
    /// (`MEET_SFU_MIGRATION_TIMEOUT_MS`, default 10000).
    public var migrationTimeout: Duration
    /// How often the node closes its audio-level windows and reports the
    /// rooms whose speakers changed to ServerWS
    /// (`MEET_SFU_AUDIO_LEVEL_INTERVAL_MS`, default 200; 0 turns active
    /// speakers off on this node). Shorter follows speech faster and costs
    /// more bus messages while people talk.
    public var audioLevelInterval: Duration
    /// Forwarding event loops, each with its own socket on the one UDP port
    /// (`MEET_SFU_WORKERS`, 1...256, default the cores this process may run
    /// on: its CPU affinity mask, capped by a cgroup quota);
    /// docs/dev/sfu-workers.md.
    public var workers: Int
    /// How long a PING on the Redis pub/sub connection may go unanswered
    /// before the node's subscriptions (its inbox) count as lost and are made
    /// again; PINGs go every third of it, 1 s at most
    /// (`MEET_SFU_REDIS_PUBSUB_PING_MS`, default 3000, as meet-ws's):
    /// ``RedisConfiguration/pubSubPing(timeout:)``.
    public var redisPubSubPing: Duration = RedisConfiguration.defaultPubSubPingTimeout
    /// Where the node keeps its pod's deletion cost current (`MEET_SFU_K8S_*`);
    /// nil (the default) turns that off. ``KubernetesSettings``.
    public var kubernetes: KubernetesSettings?
    /// Dynacast (#16 item 5, docs/signaling.md "Dynacast"): how long nobody
    /// must want a simulcast layer before its publisher is told to stop
    /// sending it (`MEET_SFU_DYNACAST_PAUSE_MS`, default 2000; 0 turns
    /// dynacast off on this node: publishers send every layer). A layer
    /// wanted again is resumed at once.
    public var dynacastPauseDelay: Duration? = .seconds(2)

    public init(
        mode: DeploymentMode = .development, logging: LoggingConfiguration = LoggingConfiguration(),
        http: HTTPConfiguration = HTTPConfiguration(port: 8090), redisURL: String = "redis://127.0.0.1:6379",
        nodeId: String = SFUNodeConfiguration.defaultNodeId(), udpPort: Int = 10000, udpHost: String = "0.0.0.0",
        publicIP: String = "127.0.0.1", region: String = "local",
        heartbeatInterval: Duration = .milliseconds(500), recordTTL: Duration = .seconds(3),
        drainTimeout: Duration = .seconds(30), migrationTimeout: Duration = .seconds(10),
        publicIPDiscovery: STUNServer? = nil, transportWideFeedback: Bool = true, receiverEstimate: Bool = true,
        audioLevelInterval: Duration = .milliseconds(200), workers: Int = 1
    ) {
        self.mode = mode
        self.logging = logging
        self.http = http
        self.redisURL = redisURL
        self.nodeId = nodeId
        self.udpPort = udpPort
        self.udpHost = udpHost
        self.publicIP = publicIP
        self.region = region
        self.heartbeatInterval = heartbeatInterval
        self.recordTTL = recordTTL
        self.drainTimeout = drainTimeout
        self.migrationTimeout = migrationTimeout
        self.publicIPDiscovery = publicIPDiscovery
        self.transportWideFeedback = transportWideFeedback
        self.receiverEstimate = receiverEstimate
        self.audioLevelInterval = audioLevelInterval
        self.workers = workers
    }

    /// Reads every variable; throws on the first one that is malformed.
    public init(environment: EnvironmentReader) throws(ConfigurationError) {
        let mode = try DeploymentMode(environment: environment)
        let nodeId = try environment.identifier("MEET_NODE_ID", default: Self.defaultNodeId, asciiOnly: true)
        let publicIP = environment.string("MEET_SFU_PUBLIC_IP", default: "127.0.0.1")
        guard Self.isIPAddress(publicIP) else {
            throw ConfigurationError(variable: "MEET_SFU_PUBLIC_IP", message: "must be an IPv4 or IPv6 address, got '\(publicIP)'")
        }
        var discovery: STUNServer?
        if let text = environment.string("MEET_SFU_PUBLIC_IP_STUN") {
            guard let server = STUNServer(parsing: text) else {
                throw ConfigurationError(
                    variable: "MEET_SFU_PUBLIC_IP_STUN", message: "must be host:port of a STUN server, got '\(text)'")
            }
            guard environment.string("MEET_SFU_PUBLIC_IP") == nil else {
                throw ConfigurationError(
                    variable: "MEET_SFU_PUBLIC_IP_STUN", message: "set either MEET_SFU_PUBLIC_IP or MEET_SFU_PUBLIC_IP_STUN, not both")
            }
            discovery = server
        }
        let heartbeat = try environment.int("MEET_SFU_HEARTBEAT_MS", default: 500, in: 50...60_000)
        let ttl = try environment.int("MEET_SFU_RECORD_TTL_MS", default: 3000, in: 100...600_000)
        guard ttl > heartbeat else {
            throw ConfigurationError(variable: "MEET_SFU_RECORD_TTL_MS", message: "must be longer than MEET_SFU_HEARTBEAT_MS")
        }
        self.init(
            mode: mode,
            logging: try LoggingConfiguration(environment: environment, mode: mode),
            http: try HTTPConfiguration(environment: environment, mode: mode, defaultPort: 8090),
            redisURL: try CoreConfiguration.redisURL(environment: environment),
            nodeId: nodeId,
            udpPort: try environment.int("MEET_SFU_UDP_PORT", default: 10000, in: 0...65535),
            udpHost: environment.string("MEET_SFU_UDP_HOST", default: "0.0.0.0"),
            publicIP: publicIP,
            region: environment.string("MEET_SFU_REGION", default: "local"),
            heartbeatInterval: .milliseconds(heartbeat),
            recordTTL: .milliseconds(ttl),
            drainTimeout: .seconds(try environment.int("MEET_SFU_DRAIN_TIMEOUT", default: 30, in: 0...3600)),
            migrationTimeout: .milliseconds(try environment.int("MEET_SFU_MIGRATION_TIMEOUT_MS", default: 10_000, in: 100...600_000)),
            publicIPDiscovery: discovery,
            transportWideFeedback: try environment.bool("MEET_SFU_TRANSPORT_CC", default: true),
            receiverEstimate: try environment.bool("MEET_SFU_REMB", default: true),
            audioLevelInterval: .milliseconds(try Self.audioLevelInterval(environment: environment)),
            workers: try environment.int("MEET_SFU_WORKERS", default: min(CPUAffinity.availableCores(), 256), in: 1...256)
        )
        self.redisPubSubPing = .milliseconds(try environment.int(
            "MEET_SFU_REDIS_PUBSUB_PING_MS", default: Int(RedisConfiguration.defaultPubSubPingTimeout / .milliseconds(1)),
            in: 100...60_000))
        self.kubernetes = try KubernetesSettings.read(environment: environment)
        let pause = try environment.int("MEET_SFU_DYNACAST_PAUSE_MS", default: 2000, in: 0...600_000)
        self.dynacastPauseDelay = pause == 0 ? nil : .milliseconds(pause)
    }

    /// `MEET_SFU_AUDIO_LEVEL_INTERVAL_MS`: 0 (off) or 50...5000.
    static func audioLevelInterval(environment: EnvironmentReader) throws(ConfigurationError) -> Int {
        let interval = try environment.int("MEET_SFU_AUDIO_LEVEL_INTERVAL_MS", default: 200, in: 0...5000)
        guard interval == 0 || interval >= 50 else {
            throw ConfigurationError(variable: "MEET_SFU_AUDIO_LEVEL_INTERVAL_MS", message: "must be 0 (off) or 50...5000")
        }
        return interval
    }

    /// The host name up to its first dot (a pod name in Kubernetes).
    public static func defaultNodeId() -> String {
        CoreConfiguration.hostIdentifier(fallback: "sfu")
    }

    static func isIPAddress(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }
}
