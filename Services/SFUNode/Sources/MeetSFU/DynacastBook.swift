/// When to tell publishers which simulcast layers to send (dynacast, #16
/// item 5; LiveKit's dynacast, learned, not copied). Sans-I/O, with the
/// clock passed in: the node feeds it, a few times a second, the layers
/// each simulcast section's subscribers want (``LayerDemand``); it answers
/// the sections whose publisher must be told now, and what.
///
/// - **Resume at once.** A layer someone wants that the publisher was told
///   to stop goes back on at the next update (bounded by
///   ``Configuration/minimumInterval``), so a tile that grows gets its
///   layer within about one keyframe interval.
/// - **Pause late.** A layer goes off only once nobody has wanted it for
///   ``Configuration/pauseDelay`` without a break: a tile that shrinks for a
///   moment (a resize, a page flicked through) costs no restart of the
///   encoder, and a section's messages are bounded by that delay.
/// - **Refresh.** A state sent is sent again every ``Configuration/refresh``
///   unchanged: the message goes over pub/sub and a socket that may be
///   resuming, so one lost is repaired (it is idempotent).
///
/// Before anything is sent the publisher sends every layer (the client's
/// default), so the book compares with "all" until its first message.
/// Entries of sections gone are dropped by ``keep(only:)``; the book holds
/// at most the sections of the node's publishers.
public struct DynacastBook<Key: Hashable & Sendable>: Sendable {
    public struct Configuration: Sendable, Equatable {
        public var pauseDelay: Duration
        public var minimumInterval: Duration
        public var refresh: Duration

        public init(
            pauseDelay: Duration = .seconds(2), minimumInterval: Duration = .milliseconds(200),
            refresh: Duration = .seconds(10)
        ) {
            self.pauseDelay = pauseDelay
            self.minimumInterval = minimumInterval
            self.refresh = refresh
        }
    }

    private struct Entry: Sendable {
        var sent: Set<Int>?
        var sentAt: ContinuousClock.Instant?
        /// Since when a layer sent as on has been unwanted, without a break.
        var unwantedSince: ContinuousClock.Instant?
    }

    public let configuration: Configuration
    private var entries: [Key: Entry] = [:]

    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    /// The section `key` (with `negotiated` layer indices) is wanted at
    /// `wanted` now. Returns the layers its publisher must send, when it
    /// must be told now; nil otherwise.
    public mutating func update(
        _ key: Key, wanted: Set<Int>, negotiated: Set<Int>, now: ContinuousClock.Instant
    ) -> Set<Int>? {
        var entry = entries[key] ?? Entry()
        defer { entries[key] = entry }
        let wanted = wanted.intersection(negotiated)
        let current = entry.sent ?? negotiated
        if current.isSubset(of: wanted) {
            entry.unwantedSince = nil
        } else if entry.unwantedSince == nil {
            entry.unwantedSince = now
        }
        var next = current.union(wanted)
        if let since = entry.unwantedSince, now - since >= configuration.pauseDelay { next = wanted }
        let mayChange = entry.sentAt.map { now - $0 >= configuration.minimumInterval } ?? true
        let refreshDue = entry.sentAt.map { now - $0 >= configuration.refresh } ?? false
        guard (next != current && mayChange) || refreshDue else { return nil }
        entry.sent = next
        entry.sentAt = now
        if next == wanted { entry.unwantedSince = nil }
        return next
    }

    /// The layers of `negotiated` the section `key`'s publisher was told
    /// to stop by the last message (none before the first: it sends all).
    /// The allocator still budgets for these at their last bitrate
    /// (``LayerDemand/costs(of:maxHeight:)``), not for a layer the publisher stopped on its own.
    public func paused(_ key: Key, negotiated: Set<Int>) -> Set<Int> {
        entries[key]?.sent.map { negotiated.subtracting($0) } ?? []
    }

    /// Forgets every section but `keys` (publishers and sections gone).
    public mutating func keep(only keys: Set<Key>) {
        guard entries.count > keys.count || entries.keys.contains(where: { !keys.contains($0) }) else { return }
        entries = entries.filter { keys.contains($0.key) }
    }

    /// Sections the book holds (tests, metrics).
    public var count: Int { entries.count }
}
