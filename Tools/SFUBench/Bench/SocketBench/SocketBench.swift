#if canImport(Glibc)
import Glibc
#endif
import CSFUBenchAlloc

/// The `--sockets` mode: for each subscriber count, a fresh SFU under test
/// and a fresh load generator; a warm-up, then the measured run. Prints one
/// row per count: packets forwarded per CPU-second of the SFU's forwarding
/// thread, and that thread's heap allocations per incoming packet.
struct SocketBenchOptions {
    var packets = 5000
    var warmUp = 500
    var subscriberCounts = [1, 10, 100]
    var payloadSize = 1000
    var target = "reference"
    /// `--target meet-sfu`: the binary to start and the Redis its bus uses.
    var sfuBinary = ".build/release/meet-sfu"
    var redisURL = "redis://127.0.0.1:6379"
    /// With MEET_BENCH_ALLOC_TRACE=N: how many of the most frequent allocation stacks to print.
    var traceTop = 12

    init(arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--packets": packets = iterator.next().flatMap { Int($0) } ?? packets
            case "--warm-up": warmUp = iterator.next().flatMap { Int($0) } ?? warmUp
            case "--subscribers":
                subscriberCounts = iterator.next().map { $0.split(separator: ",").compactMap { Int($0) } } ?? subscriberCounts
            case "--payload": payloadSize = iterator.next().flatMap { Int($0) } ?? payloadSize
            case "--target": target = iterator.next() ?? target
            case "--sfu-binary": sfuBinary = iterator.next() ?? sfuBinary
            case "--redis": redisURL = iterator.next() ?? redisURL
            case "--trace-top": traceTop = iterator.next().flatMap { Int($0) } ?? traceTop
            default: break
            }
        }
    }
}

/// The SFUs this build can drive: `node` (meet-sfu's TransportManager in
/// process, thread CPU and allocations), `reference` (MeetRTC alone, in
/// process, the same probes) and `meet-sfu` (the node binary, over its bus
/// control plane, process CPU). A peer SFU (Janus VideoRoom over its HTTP
/// API) plugs in here the same way as another `SFUUnderTest` + `ProcessProbe`.
func makeTarget(_ options: SocketBenchOptions) async throws -> any SFUUnderTest {
    switch options.target {
    case "node": return try await NodeInProcess()
    case "reference": return try await ReferenceForwarder()
    case "meet-sfu": return try await MeetSFUProcess(binary: options.sfuBinary, redisURL: options.redisURL)
    default: throw BenchError("unknown --target \(options.target) (have: node, reference, meet-sfu)")
    }
}

func runSocketBench(arguments: [String]) async throws {
    let options = SocketBenchOptions(arguments: arguments)
    print("# sockets: UDP loopback, \(options.payloadSize)-byte VP8-shaped payloads, \(options.packets) packets measured after \(options.warmUp) warm-up")
    var header = true
    for count in options.subscriberCounts {
        let sfu = try await makeTarget(options)
        if header {
            print("# target: \(sfu.name)")
            print("subscribers  packets_in  forwarded  lost     sfu_cpu_s  fwd_pkt_per_sfu_cpu_s  in_pkt_per_sfu_cpu_s  sfu_allocs_per_pkt_in  wall_s  per_sub_min/max")
            header = false
        }
        let generator = LoadGenerator(payloadSize: options.payloadSize)
        try await generator.connect(to: sfu, subscriberCount: count)
        _ = try await generator.run(packets: options.warmUp)
        if let loop = sfu.forwardingLoop { try await ThreadProbe.traceAllocations(true, on: loop) }
        let before = try await sfu.sample()
        let result = try await generator.run(packets: options.packets)
        let after = try await sfu.sample()
        if let loop = sfu.forwardingLoop { try await ThreadProbe.traceAllocations(false, on: loop) }
        let cpu = after.cpuSeconds - before.cpuSeconds
        let allocations = zip2(after.allocations, before.allocations).map { Double($0 - $1) / Double(result.sent) }
        print([
            pad(String(count), 13),
            pad(String(result.sent), 12),
            pad(String(result.delivered), 11),
            pad(String(result.sent * count - result.delivered), 9),
            pad(rounded(cpu, decimals: 3), 11),
            pad(String(Int(Double(result.delivered) / cpu)), 23),
            pad(String(Int(Double(result.sent) / cpu)), 22),
            pad(allocations.map { rounded($0, decimals: 2) } ?? "n/a", 23),
            pad(rounded(result.wallSeconds, decimals: 2), 8),
            "\(result.leastPerSubscriber)/\(result.mostPerSubscriber)",
        ].joined())
        if meet_bench_trace_period() > 0 {
            fflush(nil)
            meet_bench_trace_report(Int32(options.traceTop), "\(count) subscriber(s), \(result.sent) packets in")
        }
        try await generator.close()
        try await sfu.shutdown()
    }
}

private func zip2(_ a: Int?, _ b: Int?) -> (Int, Int)? {
    guard let a, let b else { return nil }
    return (a, b)
}
