public import MeetCore

/// How much one meeting's whiteboard may hold (docs/configuration.md):
/// every op a client sends is stored until a `clear`, and a late joiner
/// gets them all in one `whiteboard-state` frame, so the board is bounded
/// in ops and in bytes. Past either, `whiteboard-op` is refused with
/// `whiteboard_full` until a host clears the board.
public struct WhiteboardLimits: Sendable, Equatable {
    /// Ops a board keeps (`MEET_WS_WHITEBOARD_MAX_OPS`, default 2000).
    public var maxOps: Int
    /// Bytes of op JSON a board keeps (`MEET_WS_WHITEBOARD_MAX_BYTES`,
    /// default 1 MiB; at most 3 MiB, below the default outbound queue of
    /// 4 MiB that the `whiteboard-state` frame must fit in).
    public var maxBytes: Int

    public init(maxOps: Int = 2000, maxBytes: Int = 1 << 20) {
        self.maxOps = max(1, maxOps)
        self.maxBytes = max(1, maxBytes)
    }

    public init(environment: EnvironmentReader) throws(ConfigurationError) {
        self.init(
            maxOps: try environment.int("MEET_WS_WHITEBOARD_MAX_OPS", default: 2000, in: 1...100_000),
            maxBytes: try environment.int("MEET_WS_WHITEBOARD_MAX_BYTES", default: 1 << 20, in: 8192...(3 << 20)))
    }

    /// Bytes each op adds to a `whiteboard-state` frame beyond its own JSON
    /// (`seq`, `participantId`, `createdAt` and their keys, with room).
    static let framingPerOp = 128

    /// The largest `whiteboard-state` frame a full board makes.
    public var largestState: Int { maxBytes + maxOps * Self.framingPerOp }

    /// Refuses limits whose full board would not fit in a socket's outbound
    /// queue (`MEET_WS_OUTBOUND_QUEUE_BYTES`): every late joiner's sync would
    /// close its socket as too slow.
    public func check(outboundQueueBytes: Int) throws(ConfigurationError) {
        guard largestState <= outboundQueueBytes else {
            throw ConfigurationError(
                variable: "MEET_WS_WHITEBOARD_MAX_BYTES",
                message: "MEET_WS_WHITEBOARD_MAX_BYTES + MEET_WS_WHITEBOARD_MAX_OPS × \(Self.framingPerOp) (\(largestState)) "
                    + "must fit in MEET_WS_OUTBOUND_QUEUE_BYTES (\(outboundQueueBytes)): a late joiner gets the whole board in one frame")
        }
    }
}
