/// Decides when a node writes its pod's `controller.kubernetes.io/pod-deletion-cost`
/// (issue #22): a sans-I/O value type, time passed in, so tests need no
/// clock and no API server.
///
/// The cost is the node's transport count, so when the HPA scales meet-sfu
/// in, the ReplicaSet deletes the pod with the fewest transports (the one
/// whose drain moves the fewest clients). The API server must not be
/// written every heartbeat: a write happens only when
/// - nothing was written yet (a new pod has no annotation: cost 0, it would
///   be deleted first however busy it became), or
/// - the count moved meaningfully: by at least 10 % of the larger of the old
///   and new value, and at least by one (any change below 10 transports;
///   the step to or from 0 always),
/// and never sooner than `minimumInterval` after the previous attempt, failed
/// or not (a failing API server is retried at that pace, not hammered).
/// A draining node writes nothing: its pod is already on its way out.
struct DeletionCostPolicy: Sendable {
    /// The least time between two writes (`MEET_SFU_K8S_DELETION_COST_INTERVAL_MS`).
    let minimumInterval: Double
    /// The value the API server holds, as far as this node knows.
    private(set) var written: Int?
    private var lastAttempt: Double?

    /// - Parameter minimumInterval: seconds.
    init(minimumInterval: Double) {
        self.minimumInterval = minimumInterval
    }

    /// The deletion cost for `transports` (clamped to the annotation's
    /// int32 range).
    static func cost(transports: Int) -> Int {
        min(max(0, transports), Int(Int32.max))
    }

    /// The cost to write now, or nil when nothing needs writing.
    /// - Parameter now: monotonic seconds.
    func due(transports: Int, draining: Bool, now: Double) -> Int? {
        guard !draining else { return nil }
        if let lastAttempt, now - lastAttempt < minimumInterval { return nil }
        let cost = Self.cost(transports: transports)
        guard let written else { return cost }
        return Self.isMeaningful(from: written, to: cost) ? cost : nil
    }

    /// Whether the change from `old` to `new` is worth a write.
    static func isMeaningful(from old: Int, to new: Int) -> Bool {
        let change = abs(new - old)
        return change >= 1 && change * 10 >= max(old, new)
    }

    /// A write of `cost` was attempted at `now`; `succeeded` says whether the API server took it.
    mutating func attempted(_ cost: Int, at now: Double, succeeded: Bool) {
        lastAttempt = now
        if succeeded { written = cost }
    }
}
