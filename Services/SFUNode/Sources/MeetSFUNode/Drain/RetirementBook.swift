/// The bookkeeping of a node winding down, without transports, sockets or
/// clocks (the caller passes the time in): which publisher transports are
/// retired and until when, and whether the node itself is draining.
///
/// `sfu.retire-transport`: the publisher has moved to another node (a
/// drain's migration). Its transport here keeps forwarding to the
/// subscribers still attached, so nobody loses the picture while they move
/// too, and closes (reason `migrated`) once the last of them has gone, or
/// when the migration timeout passes, whichever comes first.
///
/// Draining (SIGTERM, see ``DrainCoordinator``): the node takes no new
/// transports; the ones it has keep forwarding.
struct RetirementBook: Sendable {
    /// What to do with a publisher just retired.
    enum Decision: Equatable, Sendable {
        /// It has no subscribers: close it now (`migrated`).
        case closeNow
        /// Keep it for its subscribers until this deadline.
        case keepUntil(ContinuousClock.Instant)
    }

    /// How long a retired publisher waits for its subscribers to move (`MEET_SFU_MIGRATION_TIMEOUT_MS`).
    let migrationTimeout: Duration
    /// Retired publisher transport id → when it closes regardless.
    private(set) var deadlines: [String: ContinuousClock.Instant] = [:]
    /// True once the node stopped taking new transports.
    private(set) var isDraining = false

    init(migrationTimeout: Duration) {
        self.migrationTimeout = migrationTimeout
    }

    mutating func startDraining() {
        isDraining = true
    }

    /// Retires publisher transport `id`, which has `subscribers` subscriber
    /// transports now. Retiring twice keeps the first deadline.
    mutating func retire(_ id: String, subscribers: Int, now: ContinuousClock.Instant) -> Decision {
        guard subscribers > 0 else { return .closeNow }
        if let deadline = deadlines[id] { return .keepUntil(deadline) }
        let deadline = now.advanced(by: migrationTimeout)
        deadlines[id] = deadline
        return .keepUntil(deadline)
    }

    func isRetired(_ id: String) -> Bool {
        deadlines[id] != nil
    }

    /// After one of its subscribers closed: whether publisher `id` must close now
    /// (it is retired and has no subscriber left).
    func shouldClose(_ id: String, remainingSubscribers: Int) -> Bool {
        isRetired(id) && remainingSubscribers == 0
    }

    /// The publisher closed (for whatever reason): nothing more to track.
    mutating func forget(_ id: String) {
        deadlines.removeValue(forKey: id)
    }

    /// Retired publishers whose migration timeout has passed at `now`.
    func expired(now: ContinuousClock.Instant) -> [String] {
        deadlines.compactMap { $0.value <= now ? $0.key : nil }
    }

    var isEmpty: Bool { deadlines.isEmpty }
}
