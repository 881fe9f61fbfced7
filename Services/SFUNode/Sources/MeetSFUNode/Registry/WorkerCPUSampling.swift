/// Which registry heartbeats read the worker threads' CPU time (one
/// `/proc/self/task/<tid>/stat` open and read per worker, for
/// `meet_sfu_worker_cpu_seconds_total`): the first, then every
/// ``every``-th (docs/dev/sfu-idle.md, item 4). The record itself is
/// still written every beat: meet-ws judges a node's freshness by the
/// record's `updatedAtMs` (`MEET_WS_SFU_STALE_MS`, three default beats), and
/// the counter is a Prometheus counter, scraped far less often than every
/// 2 s, that loses nothing by being brought up to date less often.
struct WorkerCPUSampling {
    /// Beats per read: every 2 s at the default 500 ms heartbeat.
    static let defaultEvery = 4

    let every: Int
    private var beats = 0

    init(every: Int = Self.defaultEvery) {
        self.every = max(1, every)
    }

    /// A beat: true when it reads the workers' CPU.
    mutating func beat() -> Bool {
        defer { beats += 1 }
        return beats % every == 0
    }
}
