public import MeetProtocol

/// Chooses the SFU node for a new publisher: a pure function of the
/// registry's records, the time, and what this replica placed lately, so
/// every rule is unit-tested without Redis.
///
/// Candidates are records that are `serving` and fresh (written at most
/// `staleAfterMs` ago: a node that stopped heartbeating is dead or cut off,
/// even while its Redis key lives on). Among them the lowest ``score(_:pending:)``
/// wins, ties broken by node id so that replicas agree. With a region
/// (``PlacementRegion``), only that region's candidates compete while it
/// has any; otherwise all do.
public struct SFUPlacement: Sendable {
    /// Why no node could be chosen.
    public enum Failure: Error, Sendable, Equatable {
        /// No fresh `serving` node (outside `excluding`).
        case noServingNode
        /// Hints are enabled and the hint names no fresh `serving` node.
        case hintNotServing(String)
    }

    public var staleAfterMs: Int64
    /// Whether a client's `nodeId` hint is honoured (`MEET_WS_PLACEMENT_HINTS`).
    public var hintsEnabled: Bool

    public init(staleAfterMs: Int64, hintsEnabled: Bool) {
        self.staleAfterMs = staleAfterMs
        self.hintsEnabled = hintsEnabled
    }

    /// The load score of a node; lower is better.
    ///
    /// `transports + pending + bitsOutPerSecond / 1 Mbit/s + 10 × cpu`:
    /// each transport counts one, each Mbit/s sent counts like one more
    /// transport (a node fanning video out to many subscribers fills up
    /// before one with idle publishers), and a busy core counts ten. `pending`
    /// is what this replica placed on the node after its record was written
    /// (not yet in the figures), so a burst of publishes spreads out instead
    /// of piling onto the node that looked emptiest a second ago.
    public static func score(_ record: SFUNodeRecord, pending: Int = 0) -> Double {
        Double(record.load.transports + pending) + record.load.bitsOutPerSecond / 1_000_000 + 10 * (record.load.cpu ?? 0)
    }

    /// Whether the record may take a new transport at `nowMs`.
    public func isCandidate(_ record: SFUNodeRecord, nowMs: Int64) -> Bool {
        record.state == .serving && nowMs - record.updatedAtMs <= self.staleAfterMs
    }

    /// The node to place a publisher on.
    /// - Parameters:
    ///   - pending: placements this replica made per node id, after that node's record was written.
    ///   - hint: the client's `nodeId`, used only when ``hintsEnabled``.
    ///   - excluding: nodes that just refused (draining) or did not answer, or are leaving.
    ///   - preferred: a node chosen earlier (a migration's target), taken
    ///     while it is still a candidate; otherwise the usual choice.
    ///   - region: the participant's region: its candidates first, the
    ///     others only when it has none.
    public func choose(
        from records: [SFUNodeRecord], nowMs: Int64, pending: [String: Int] = [:], hint: String? = nil,
        excluding: Set<String> = [], preferred: String? = nil, region: String? = nil
    ) throws(Failure) -> SFUNodeRecord {
        var candidates = records.filter { self.isCandidate($0, nowMs: nowMs) && !excluding.contains($0.id) }
        if self.hintsEnabled, let hint {
            guard let hinted = candidates.first(where: { $0.id == hint }) else { throw .hintNotServing(hint) }
            return hinted
        }
        if let preferred, let chosen = candidates.first(where: { $0.id == preferred }) { return chosen }
        if let region {
            let regional = candidates.filter { $0.region == region }
            if !regional.isEmpty { candidates = regional }
        }
        let best = candidates.min { left, right in
            let (a, b) = (Self.score(left, pending: pending[left.id] ?? 0), Self.score(right, pending: pending[right.id] ?? 0))
            return a == b ? left.id < right.id : a < b
        }
        guard let best else { throw .noServingNode }
        return best
    }
}
