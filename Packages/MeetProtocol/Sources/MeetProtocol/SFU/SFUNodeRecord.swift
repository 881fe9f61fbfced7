/// One SFU node's entry in the Redis node registry, written by the node
/// every second with a short TTL (gone from the registry = gone) and read by
/// ServerWS to place publishers.
///
/// Stored as JSON under ``SFURegistryKeys/node(_:)``; the node's id is also a
/// member of the set ``SFURegistryKeys/nodes`` (members whose record expired
/// are stale and to be ignored).
public struct SFUNodeRecord: Codable, Sendable, Hashable {
    public var id: String
    /// Address clients send media to (written into ICE candidates).
    public var publicIP: String
    public var udpPort: Int
    public var region: String
    public var state: SFUNodeState
    public var load: SFUNodeLoad
    /// When the record was written, milliseconds since 1970 (node clock).
    public var updatedAtMs: Int64

    public init(
        id: String, publicIP: String, udpPort: Int, region: String, state: SFUNodeState, load: SFUNodeLoad, updatedAtMs: Int64
    ) {
        self.id = id
        self.publicIP = publicIP
        self.udpPort = udpPort
        self.region = region
        self.state = state
        self.load = load
        self.updatedAtMs = updatedAtMs
    }

    /// The bus inbox of this node.
    public var inbox: String { BusChannel.sfuInbox(nodeId: id) }
}

/// Whether a node takes new transports.
public enum SFUNodeState: String, Codable, Sendable, Hashable, CaseIterable {
    case serving
    /// Shutting down: keeps its transports for a while, takes no new ones.
    case draining
}

/// The load figures a node reports (rates over the last heartbeat interval).
public struct SFUNodeLoad: Codable, Sendable, Hashable {
    public var transports: Int
    public var publishers: Int
    public var subscribers: Int
    public var packetsInPerSecond: Double
    public var packetsOutPerSecond: Double
    public var bitsInPerSecond: Double
    public var bitsOutPerSecond: Double
    /// Process CPU use over the interval, in cores (1.0 = one core busy); nil when unknown.
    public var cpu: Double?

    public init(
        transports: Int = 0, publishers: Int = 0, subscribers: Int = 0,
        packetsInPerSecond: Double = 0, packetsOutPerSecond: Double = 0,
        bitsInPerSecond: Double = 0, bitsOutPerSecond: Double = 0, cpu: Double? = nil
    ) {
        self.transports = transports
        self.publishers = publishers
        self.subscribers = subscribers
        self.packetsInPerSecond = packetsInPerSecond
        self.packetsOutPerSecond = packetsOutPerSecond
        self.bitsInPerSecond = bitsInPerSecond
        self.bitsOutPerSecond = bitsOutPerSecond
        self.cpu = cpu
    }
}

/// Redis keys of the node registry, in one place.
public enum SFURegistryKeys {
    /// The set of node ids that have registered (may hold expired ones).
    public static let nodes = "sfu:nodes"
    /// One node's record (JSON, with a TTL).
    public static func node(_ id: String) -> String { "sfu:node:\(id)" }
}
