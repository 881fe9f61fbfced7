/// `sfu.set-video-selection` (last-N, #15 item 3; docs/dev/last-n-design.md):
/// which videos each per-node subscriber connection on the node forwards.
/// meet-ws resolves a subscriber's `video-preferences` (its page of tiles,
/// the room's active speakers, its limit) and sends each node, once per
/// round, the part that lives there for every connection whose selection
/// changed; the node pauses the rest (no renegotiation, nothing on the
/// wire) and resumes with a keyframe request. A connection never sent a
/// selection forwards everything (older clients).
extension SFUControlType {
    public static let setVideoSelection = "sfu.set-video-selection"
}

/// One video a subscriber should receive: whose, which source, how large.
public struct SFUVideoTarget: Codable, Sendable, Hashable {
    public var participantId: String
    /// `camera` or `screen`.
    public var source: SFUTrackSource
    /// The largest picture height the tile needs, in pixels (0: do not
    /// send). For a simulcast video it caps the layer the node picks (#16).
    public var maxHeight: Int

    public init(participantId: String, source: SFUTrackSource, maxHeight: Int) {
        self.participantId = participantId
        self.source = source
        self.maxHeight = maxHeight
    }
}

/// The whole selection of one subscriber connection (replaces the last one).
public struct SFUVideoSelection: Codable, Sendable, Hashable {
    public var transportId: String
    /// Empty: pause every video on the connection (audio only).
    public var forward: [SFUVideoTarget]

    public init(transportId: String, forward: [SFUVideoTarget]) {
        self.transportId = transportId
        self.forward = forward
    }
}

/// The request body: the changed selections of one round, for one node.
public struct SetVideoSelectionRequest: Codable, Sendable, Hashable {
    public var selections: [SFUVideoSelection]

    public init(selections: [SFUVideoSelection]) {
        self.selections = selections
    }
}

/// The transports the node applied a selection to; one not listed was
/// unknown (closed meanwhile) and is skipped, not an error.
public struct SetVideoSelectionReply: Codable, Sendable, Hashable {
    public var applied: [String]

    public init(applied: [String]) {
        self.applied = applied
    }
}
