/// Which video tracks of one subscriber connection forward and which are
/// paused (last-N, #15 item 3; docs/dev/last-n-design.md). Sans-I/O: fed the
/// selection the node was sent (meet-ws resolves the subscriber's page, the
/// active speakers and its limit into "these videos, at most this high") and
/// the video tracks the connection carries; it returns the pause/resume
/// changes for the caller to execute on the routers
/// (``Router/setPaused(_:publisherSSRC:subscriber:now:)``).
///
/// Keyed by `Target` (whose video and which source: the node uses
/// participant id + source), not by SSRC or m-line, so a selection outlives
/// re-offers, reused sections and migration: a track added later
/// (``trackAdded(_:target:)``) starts paused or not from the selection in
/// force. Until the first selection everything forwards (a client that
/// never sends one, an older client, sees no change).
public struct VideoSelection<Key: Hashable & Sendable, Target: Hashable & Sendable>: Sendable {
    /// One state flip for the caller to execute.
    public enum Change: Hashable, Sendable {
        case pause(Key)
        case resume(Key)
    }

    public enum Error: Swift.Error, Equatable, Sendable {
        /// More targets than ``maximumTargets``: refused whole, nothing changed.
        case tooManyTargets(count: Int, limit: Int)
    }

    /// Bounds a selection (a bus message's worth of client input).
    public let maximumTargets: Int
    /// Target → the largest picture height wanted (pixels); nil until the
    /// first selection. An entry with height ≤ 0 counts as not selected.
    public private(set) var selection: [Target: Int]?
    /// Carried video tracks, in the order added (changes come in this order).
    private var order: [Key] = []
    private var targets: [Key: Target] = [:]
    private var paused: Set<Key> = []

    public init(maximumTargets: Int = 64) {
        self.maximumTargets = maximumTargets
    }

    /// Replaces the selection (idempotent: the same one twice changes
    /// nothing). Returns the tracks to pause and resume, in the order they
    /// were added; throws without changing anything when it is too large.
    public mutating func apply(_ selection: [Target: Int]) throws(Error) -> [Change] {
        guard selection.count <= maximumTargets else {
            throw .tooManyTargets(count: selection.count, limit: maximumTargets)
        }
        self.selection = selection
        return reconcile()
    }

    /// Forgets the selection: every track forwards again (the subscriber
    /// went back to "everything", e.g. the room shrank).
    public mutating func clear() -> [Change] {
        selection = nil
        return reconcile()
    }

    /// A video track joined the connection. Returns whether its down-track
    /// starts paused. Adding a known key again moves it to `target`.
    public mutating func trackAdded(_ key: Key, target: Target) -> Bool {
        if targets.updateValue(target, forKey: key) == nil { order.append(key) }
        let wanted = isWanted(target)
        if wanted { paused.remove(key) } else { paused.insert(key) }
        return !wanted
    }

    /// A video track left the connection.
    public mutating func trackRemoved(_ key: Key) {
        guard targets.removeValue(forKey: key) != nil else { return }
        order.removeAll { $0 == key }
        paused.remove(key)
    }

    public func isPaused(_ key: Key) -> Bool { paused.contains(key) }

    /// The height wanted for a track's video (for the layer chooser that
    /// simulcast brings); nil when paused or before any selection.
    public func maxHeight(of key: Key) -> Int? {
        guard let target = targets[key], let height = selection?[target], height > 0 else { return nil }
        return height
    }

    /// Carried video tracks, and how many of them are paused.
    public var trackCount: Int { targets.count }
    public var pausedCount: Int { paused.count }

    private func isWanted(_ target: Target) -> Bool {
        guard let selection else { return true }
        return (selection[target] ?? 0) > 0
    }

    private mutating func reconcile() -> [Change] {
        var changes: [Change] = []
        for key in order {
            guard let target = targets[key] else { continue }
            let wanted = isWanted(target)
            if wanted, paused.remove(key) != nil {
                changes.append(.resume(key))
            } else if !wanted, paused.insert(key).inserted {
                changes.append(.pause(key))
            }
        }
        return changes
    }
}
