/// Which worker a room's publishers go to (docs/dev/sfu-workers.md): the
/// least loaded worker when the room is new on this node, then the same one
/// for as long as the room has a publisher here, so a room's publishers and
/// their subscribers (including a node connection carrying several of them)
/// share one loop and a packet is forwarded where it arrives.
///
/// An actor: placement is the control path (one decision per
/// `sfu.create-publisher`), and two publishers of a new room arriving
/// together must not land on two workers.
actor WorkerPlacement {
    let workers: Int
    private var rooms: [String: Int] = [:]
    /// Past this many remembered rooms, the next placement drops those with
    /// no publisher left (``keep(rooms:)``).
    private var pruneAt = 1024

    init(workers: Int) {
        self.workers = workers
    }

    /// The room's worker; a new room gets the worker with the fewest
    /// transports (`loads`, asked only then; ties to the lowest index).
    func worker(forRoom room: String, loads: () async -> [Int]) async -> Int {
        if workers == 1 { return 0 }
        if let worker = rooms[room] { return worker }
        let loads = await loads()
        // Another request for this room may have placed it while we asked.
        if let worker = rooms[room] { return worker }
        let chosen = Self.leastLoaded(loads)
        rooms[room] = chosen
        return chosen
    }

    /// Index of the smallest load (the first of equals).
    static func leastLoaded(_ loads: [Int]) -> Int {
        loads.indices.min { loads[$0] < loads[$1] } ?? 0
    }

    var needsPruning: Bool { rooms.count >= pruneAt }

    /// Forgets the rooms not in `live` (those with a publisher on some worker).
    func keep(rooms live: Set<String>) {
        rooms = rooms.filter { live.contains($0.key) }
        pruneAt = max(1024, 2 * rooms.count)
    }

    /// The room's worker, if placed (tests).
    func placed(_ room: String) -> Int? { rooms[room] }
}
