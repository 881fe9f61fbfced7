/// Bus `event` `sfu.publisher-layers` on ``SFUEventChannel/events``
/// (dynacast, #16 item 5): the simulcast layers one publisher should send,
/// computed by its node, which holds every subscriber of its tracks
/// (subscribers connect to the publisher's node). The replica holding the
/// participant's socket turns it into the client's `publisher-layers`
/// event; the others ignore it.
///
/// A node sends it when a section's wanted layers change (a layer wanted
/// again at once, one unwanted after `MEET_SFU_DYNACAST_PAUSE_MS`), and
/// re-sends an unchanged one every ``refreshMs`` (pub/sub is lossy, the
/// socket may be resuming).
public struct SFUPublisherLayersEvent: Codable, Sendable, Hashable {
    public static let type = "sfu.publisher-layers"
    /// How often a node re-sends a section's unchanged state.
    public static let refreshMs: Int64 = 10_000

    public var nodeId: String
    public var roomId: String
    public var participantId: String
    /// The publisher transport, and its sections whose layers to set.
    public var layers: PublisherLayers

    public init(nodeId: String, roomId: String, participantId: String, layers: PublisherLayers) {
        self.nodeId = nodeId
        self.roomId = roomId
        self.participantId = participantId
        self.layers = layers
    }
}
