#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// `--sockets --workers 1,2 [--rooms R]`: how meet-sfu's forwarding scales
/// with its workers (`MEET_SFU_WORKERS`, docs/dev/sfu-workers.md). For each
/// worker count and subscriber count: a fresh `meet-sfu` process, R rooms
/// (one publisher and N subscribers each, one load generator thread per room,
/// all in this process), every room saturating at once; then forwarded
/// packets per wall second, the node's CPU, the generators' CPU (this
/// process), and the busiest node threads' CPU (the media loops: how evenly
/// the rooms were spread).
///
/// On a machine with fewer free cores than workers + generators, the wall
/// rate is bounded by the machine, not the node: the `scaling` line divides
/// it out (forwarded packets per node CPU-second at W workers against 1,
/// times W, times the loops' balance): what W free cores would give.
func runWorkersBench(_ options: SocketBenchOptions, workerCounts: [Int]) async throws {
    print("# workers: meet-sfu process, \(options.rooms) rooms × N subscribers, saturation: \(options.packets) packets per room after \(options.warmUp) warm-up")
    print("# load average before: \(loadAverage()); \(ProcessInfo.processInfo.activeProcessorCount) CPUs; SFU pinned: \(options.pin ?? "no")")
    print("workers  subscribers  forwarded  lost    wall_s  fwd_per_s  sfu_cpu_s  sfu_cores  fwd_per_sfu_cpu_s  gen_cpu_s  loop_cpu_s (busiest W threads)")
    var perCPU: [Int: [Int: Double]] = [:]
    var balance: [Int: [Int: Double]] = [:]
    for workers in workerCounts {
        for count in options.subscriberCounts {
            let sfu = try await MeetSFUProcess(
                binary: options.sfuBinary, redisURL: options.redisURL, cpus: options.pin, workers: workers)
            var generators: [LoadGenerator] = []
            for room in 0..<options.rooms {
                let generator = LoadGenerator(payloadSize: options.payloadSize)
                try await generator.connect(to: SFURoom(process: sfu, room: room), subscriberCount: count)
                generators.append(generator)
            }
            _ = try await runAll(generators, packets: options.warmUp)
            let before = try await sfu.sample(), threadsBefore = sfu.threadCPUSeconds(), generatorBefore = ownCPUSeconds()
            let start = ContinuousClock.now
            let results = try await runAll(generators, packets: options.packets)
            let wall = seconds(start.duration(to: .now))
            let after = try await sfu.sample(), threadsAfter = sfu.threadCPUSeconds(), generatorCPU = ownCPUSeconds() - generatorBefore
            let cpu = after.cpuSeconds - before.cpuSeconds
            let loops = threadsAfter.map { tid, seconds in seconds - (threadsBefore[tid] ?? 0) }.sorted(by: >).prefix(workers)
            let forwarded = results.reduce(0) { $0 + $1.delivered }
            let sent = results.reduce(0) { $0 + $1.sent }
            perCPU[workers, default: [:]][count] = Double(forwarded) / cpu
            balance[workers, default: [:]][count] = (loops.reduce(0, +) / Double(loops.count)) / (loops.first ?? 1)
            print([
                pad(String(workers), 9), pad(String(count), 13), pad(String(forwarded), 11), pad(String(sent * count - forwarded), 8),
                pad(rounded(wall, decimals: 2), 8), pad(String(Int(Double(forwarded) / wall)), 11),
                pad(rounded(cpu, decimals: 2), 11), pad(rounded(cpu / wall, decimals: 2), 11),
                pad(String(Int(Double(forwarded) / cpu)), 19), pad(rounded(generatorCPU, decimals: 2), 11),
                loops.map { rounded($0, decimals: 2) }.joined(separator: " "),
            ].joined())
            for generator in generators { try await generator.close() }
            try await sfu.shutdown()
        }
    }
    // Scaling at W workers against 1, per subscriber count, with the
    // generators' and the machine's share divided out.
    if let single = perCPU[1] {
        for workers in workerCounts where workers > 1 {
            for count in options.subscriberCounts {
                guard let one = single[count], let many = perCPU[workers]?[count], let even = balance[workers]?[count] else { continue }
                let ratio = many / one * Double(workers) * even
                print("# scaling \(workers) workers / 1, \(count) subscribers: per-CPU efficiency \(rounded(many / one, decimals: 3)) × \(workers) × balance \(rounded(even, decimals: 3)) = \(rounded(ratio, decimals: 2))×")
            }
        }
    }
    print("# load average after: \(loadAverage())")
}

/// One room of a meet-sfu process, seen by one load generator.
final class SFURoom: SFUUnderTest, @unchecked Sendable {
    let process: MeetSFUProcess
    let room: Int
    var name: String { "\(process.name), room \(room)" }

    init(process: MeetSFUProcess, room: Int) {
        self.process = process
        self.room = room
    }

    func publish(offer: String) async throws -> String { try await process.publish(offer: offer, room: room) }
    func subscribe() async throws -> (id: String, offer: String) { try await process.subscribe(room: room) }
    func acceptSubscriberAnswer(id: String, answer: String) async throws {
        try await process.acceptSubscriberAnswer(id: id, answer: answer)
    }
    func sample() async throws -> NodeSample { try await process.sample() }
    func shutdown() async throws {}
}

/// Runs every generator at once; their results in order.
private func runAll(_ generators: [LoadGenerator], packets: Int) async throws -> [LoadGenerator.Result] {
    try await withThrowingTaskGroup(of: (Int, LoadGenerator.Result).self) { group in
        for (index, generator) in generators.enumerated() {
            group.addTask { (index, try await generator.run(packets: packets)) }
        }
        var results = [LoadGenerator.Result?](repeating: nil, count: generators.count)
        for try await (index, result) in group { results[index] = result }
        return results.compactMap { $0 }
    }
}

private func ownCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}

private func loadAverage() -> String {
    ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?").split(separator: " ").prefix(3).joined(separator: " ")
}

private func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}
