/// A whiteboard as its ops make it, sans I/O: the fold every replica of the
/// board runs (the web client's whiteboard.js, the SVG export, the tests).
///
/// Ops arrive by `seq` from one authority (the board's row in PostgreSQL
/// gives each its `seq`), but the bus may deliver two of them in either
/// order and a client may miss some while it reconnects. So the board
/// applies only the next `seq`, holds later ones (at most
/// ``maxPending``) until the gap fills, and says when it needs a
/// `whiteboard-sync`. Applied that way, any delivery order of the same ops
/// ends in the same board.
public struct WhiteboardBoard: Sendable, Equatable {
    /// The drawings on the board, oldest (bottom) first.
    public private(set) var items: [WhiteboardOpEvent] = []
    public private(set) var locked = false
    /// The last `seq` applied.
    public private(set) var seq: Int64 = 0
    /// Ops past a gap, waiting for it to fill.
    public private(set) var pending: [Int64: WhiteboardOpEvent] = [:]

    /// Held ops past a gap; beyond it the oldest are dropped (a sync brings them back).
    public static let maxPending = 1024

    public init() {}

    /// Starts over from a `whiteboard-state` (when `full`) or continues with
    /// it. Its ops are complete up to its `seq` (the gaps in them are ops
    /// the board dropped: erased drawings, what a clear wiped), so they are
    /// applied as they come; held ops past them follow.
    public mutating func load(_ state: WhiteboardStateData) {
        if state.full {
            self.items = []
            self.seq = 0
        }
        for event in state.ops where event.seq > self.seq { self.apply(event) }
        self.seq = max(self.seq, state.seq)
        self.locked = state.locked
        self.drain()
    }

    /// Takes one op as the bus delivered it; returns whether a gap was seen
    /// (the caller asks for `whiteboard-sync` since ``seq``).
    @discardableResult
    public mutating func receive(_ event: WhiteboardOpEvent) -> Bool {
        guard event.seq > self.seq else { return false }  // already applied: a duplicate
        if event.seq != self.seq + 1 {
            self.pending[event.seq] = event
            if self.pending.count > Self.maxPending, let last = self.pending.keys.max() { self.pending[last] = nil }
            return true
        }
        self.apply(event)
        self.drain()
        return !self.pending.isEmpty
    }

    /// Applies the held ops that are next in order; forgets those already passed.
    private mutating func drain() {
        while let next = self.pending.removeValue(forKey: self.seq + 1) { self.apply(next) }
        let seq = self.seq
        self.pending = self.pending.filter { $0.key > seq }
    }

    /// The next op in order.
    private mutating func apply(_ event: WhiteboardOpEvent) {
        self.seq = event.seq
        switch event.op.kind {
        case .stroke, .line, .rect, .ellipse, .text:
            self.items.append(event)
        case .erase:
            self.items.removeAll { $0.seq == event.op.target }
        case .clear:
            self.items.removeAll()
        case .lock:
            self.locked = true
        case .unlock:
            self.locked = false
        }
    }
}
