public import MeetProtocol

/// A board's bookkeeping as its authority (its PostgreSQL row) keeps it.
public struct WhiteboardCounters: Sendable, Equatable {
    /// The last `seq` handed out.
    public var lastSeq: Int64
    /// Ops stored, and their bytes.
    public var opCount: Int
    public var opBytes: Int
    public var locked: Bool

    public init(lastSeq: Int64 = 0, opCount: Int = 0, opBytes: Int = 0, locked: Bool = false) {
        self.lastSeq = lastSeq
        self.opCount = opCount
        self.opBytes = opBytes
        self.locked = locked
    }
}

/// Why an op was not added to the board.
public enum WhiteboardRefusal: Error, Sendable, Equatable {
    /// `clear`, `lock`, `unlock` by someone who is not a host now.
    case hostsOnly
    /// A drawing or erase on a locked board by someone who is not a host now.
    case locked
    /// The board holds as many ops or bytes as it may.
    case full
    /// `erase` of a `seq` that is no drawing on the board (never was, or erased, or cleared).
    case noTarget

    /// The `error` frame the sender gets.
    public var error: SignalingError {
        switch self {
        case .hostsOnly: SignalingError(.forbidden, "only hosts may clear, lock or unlock the whiteboard")
        case .locked: SignalingError(.forbidden, "the whiteboard is locked: only hosts may draw")
        case .full: SignalingError(.whiteboardFull, "the whiteboard is full: a host must clear it")
        case .noTarget: SignalingError(.notFound, "erase: no drawing with that seq on the whiteboard")
        }
    }
}

/// Whether one op joins the board, and the board after it, sans I/O: the
/// one rule the PostgreSQL store (inside the transaction that holds the
/// board's row) and the in-memory store both apply, against the board as
/// it is at that moment and the sender's role read at that op.
public enum WhiteboardRules {
    /// What the erase's target is, when the op is an erase: its kind and
    /// bytes, or nil when no such op is stored.
    public struct Target: Sendable, Equatable {
        public var kind: WhiteboardOpKind
        public var bytes: Int

        public init(kind: WhiteboardOpKind, bytes: Int) {
            self.kind = kind
            self.bytes = bytes
        }
    }

    /// The board after `op` (of `bytes` stored bytes) is appended, or why not.
    public static func decide(
        _ op: WhiteboardOp, bytes: Int, asHost: Bool, board: WhiteboardCounters, target: Target?, limits: WhiteboardLimits
    ) -> Result<WhiteboardCounters, WhiteboardRefusal> {
        if op.kind.requiresHost, !asHost { return .failure(.hostsOnly) }
        if board.locked, !asHost { return .failure(.locked) }
        var next = board
        next.lastSeq += 1
        switch op.kind {
        case .clear:
            // Compaction: every op before the clear goes.
            next.opCount = 1
            next.opBytes = bytes
            return .success(next)
        case .erase:
            guard let target, target.kind.isDrawing else { return .failure(.noTarget) }
            // The target goes, the erase stays.
            next.opBytes += bytes - target.bytes
        case .lock, .unlock:
            next.locked = op.kind == .lock
            next.opCount += 1
            next.opBytes += bytes
        case .stroke, .line, .rect, .ellipse, .text:
            next.opCount += 1
            next.opBytes += bytes
        }
        guard next.opCount <= limits.maxOps, next.opBytes <= limits.maxBytes else { return .failure(.full) }
        return .success(next)
    }
}
