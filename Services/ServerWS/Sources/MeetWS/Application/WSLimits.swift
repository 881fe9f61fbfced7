public import MeetCore

/// meet-ws's bounds on what clients can make it hold: queues, deadlines,
/// connections (docs/configuration.md, docs/signaling.md "Limits").
public struct WSLimits: Sendable, Equatable {
    /// Per-session queues (inbound frames, outbound events).
    public var mailbox: MailboxLimits
    /// Handshake and write deadlines, connections per address.
    public var connections: ConnectionLimits
    /// How long a socket may stay open without sending `join`
    /// (`MEET_WS_JOIN_TIMEOUT_SECONDS`); then it is closed with 4408.
    public var joinTimeout: Duration
    /// WebSocket ping period (`MEET_WS_PING_INTERVAL_SECONDS`): a socket
    /// that has not answered the previous ping when the next is due is
    /// closed, so a peer that vanished is noticed within two periods.
    public var pingInterval: Duration
    /// Bus messages each subscription (a room channel's, the inbox) holds
    /// before dropping the oldest (`MEET_WS_BUS_BUFFER_MESSAGES`), counted in
    /// `meet_redis_pubsub_dropped_total` and `meet_bus_inbox_dropped_total`.
    public var busBufferMessages: Int
    /// SFU control requests this replica may have awaiting a reply
    /// (`MEET_WS_SFU_MAX_IN_FLIGHT`); past it a request fails at once with
    /// `sfu_unavailable`.
    public var sfuMaxInFlight: Int

    public init(
        mailbox: MailboxLimits = MailboxLimits(), connections: ConnectionLimits = ConnectionLimits(perAddress: 1000),
        joinTimeout: Duration = .seconds(15), pingInterval: Duration = .seconds(30), busBufferMessages: Int = 4096,
        sfuMaxInFlight: Int = 512
    ) {
        self.mailbox = mailbox
        self.connections = connections
        self.joinTimeout = joinTimeout
        self.pingInterval = pingInterval
        self.busBufferMessages = max(16, busBufferMessages)
        self.sfuMaxInFlight = max(1, sfuMaxInFlight)
    }

    public init(environment: EnvironmentReader) throws(ConfigurationError) {
        self.init(
            mailbox: MailboxLimits(
                frames: try environment.int("MEET_WS_INBOUND_QUEUE_MESSAGES", default: 8, in: 1...1024),
                frameBytes: try environment.int("MEET_WS_INBOUND_QUEUE_BYTES", default: 256 << 10, in: 1024...(1 << 30)),
                events: try environment.int("MEET_WS_OUTBOUND_QUEUE_MESSAGES", default: 1024, in: 16...1_000_000),
                eventBytes: try environment.int("MEET_WS_OUTBOUND_QUEUE_BYTES", default: 4 << 20, in: 65_536...(1 << 30))),
            connections: ConnectionLimits(
                handshakeTimeout: try environment.seconds("MEET_WS_HANDSHAKE_TIMEOUT_SECONDS", default: 10, in: 1...300),
                writeTimeout: try environment.seconds("MEET_WS_WRITE_TIMEOUT_SECONDS", default: 10, in: 1...300),
                perAddress: try environment.int("MEET_WS_MAX_CONNECTIONS_PER_ADDRESS", default: 1000, in: 0...1_000_000)),
            joinTimeout: try environment.seconds("MEET_WS_JOIN_TIMEOUT_SECONDS", default: 15, in: 1...3600),
            pingInterval: try environment.seconds("MEET_WS_PING_INTERVAL_SECONDS", default: 30, in: 1...3600),
            busBufferMessages: try environment.int("MEET_WS_BUS_BUFFER_MESSAGES", default: 4096, in: 16...1_000_000),
            sfuMaxInFlight: try environment.int("MEET_WS_SFU_MAX_IN_FLIGHT", default: 512, in: 1...100_000)
        )
    }
}
