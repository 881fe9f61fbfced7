#if canImport(Glibc)
import Glibc
#endif
import CSFUBenchAlloc
import NIOCore
import NIOPosix

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
    /// `--target janus`: the binary (Debian's `janus` package) and its HTTP port on loopback.
    var janusBinary = "/usr/bin/janus"
    var janusPort = 18088
    /// `--pin 1`: CPUs (taskset list) an SFU process (meet-sfu, janus) runs on.
    var pin: String?
    /// `--media-rate`: 30 fps video of `framePackets` packets a frame for
    /// `seconds` instead of saturation (`--packets` then unused).
    var mediaRate = false
    var seconds = 5.0
    var framePackets = 3
    /// `--media-rate` sends Opus-shaped audio too (50 packets a second of
    /// `audioPayload` bytes) unless `--no-audio`.
    var audio = true
    var audioPayload = 80
    /// `--client-host A`: the address the generator's clients bind and
    /// advertise (default 127.0.0.1; for janus the machine's first
    /// non-loopback IPv4 address, since Janus gathers no loopback candidates).
    var clientHost: String?
    /// `--floor sendfloor`: the send-only floor binary run for each row (same copies, same sizes).
    var floorBinary: String?
    /// `--workers 1,2`: meet-sfu's scaling over its workers instead
    /// (`WorkersBench.swift`), with `--rooms R` rooms saturating at once.
    var workerCounts: [Int]?
    var rooms = 2

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
            case "--janus-binary": janusBinary = iterator.next() ?? janusBinary
            case "--janus-port": janusPort = iterator.next().flatMap { Int($0) } ?? janusPort
            case "--pin": pin = iterator.next()
            case "--media-rate": mediaRate = true
            case "--seconds": seconds = iterator.next().flatMap { Double($0) } ?? seconds
            case "--frame-packets": framePackets = iterator.next().flatMap { Int($0) } ?? framePackets
            case "--no-audio": audio = false
            case "--audio-payload": audioPayload = iterator.next().flatMap { Int($0) } ?? audioPayload
            case "--floor": floorBinary = iterator.next()
            case "--client-host": clientHost = iterator.next()
            case "--workers": workerCounts = iterator.next().map { $0.split(separator: ",").compactMap { Int($0) } }
            case "--rooms": rooms = iterator.next().flatMap { Int($0) } ?? rooms
            default: break
            }
        }
    }
}

/// The SFUs this build can drive: `node` (meet-sfu's TransportManager in
/// process, thread CPU and allocations), `reference` (MeetRTC alone, in
/// process, the same probes) and `meet-sfu` (the node binary, over its bus
/// control plane, process CPU) and `janus` (Janus VideoRoom over its HTTP
/// API, process CPU): the peer comparison.
func makeTarget(_ options: SocketBenchOptions) async throws -> any SFUUnderTest {
    switch options.target {
    case "node": return try await NodeInProcess()
    case "reference": return try await ReferenceForwarder()
    case "meet-sfu": return try await MeetSFUProcess(binary: options.sfuBinary, redisURL: options.redisURL, cpus: options.pin)
    case "janus": return try await JanusVideoRoom(binary: options.janusBinary, httpPort: options.janusPort, cpus: options.pin)
    default: throw BenchError("unknown --target \(options.target) (have: node, reference, meet-sfu, janus)")
    }
}

func runSocketBench(arguments: [String]) async throws {
    let options = SocketBenchOptions(arguments: arguments)
    if let workerCounts = options.workerCounts {
        try await runWorkersBench(options, workerCounts: workerCounts)
        return
    }
    // `reference` (MeetRTC alone) offers its subscribers video only: no audio for it.
    let withAudio = options.mediaRate && options.audio && options.target != "reference"
    let workload = options.mediaRate
        ? "media rate: 30 fps × \(options.framePackets) packets"
            + (withAudio ? " + audio 50 packets/s of \(options.audioPayload) bytes" : "") + " for \(options.seconds) s"
        : "saturation: \(options.packets) packets"
    print("# sockets: UDP loopback, \(options.payloadSize)-byte VP8-shaped payloads, \(workload) measured after \(options.warmUp) warm-up")
    print("# SFU process pinned: \(options.pin.map { "taskset -c \($0)" } ?? "no")")
    let clientHost = try options.clientHost ?? (options.target == "janus" ? firstNonLoopbackIPv4() : "127.0.0.1")
    print("# clients on \(clientHost)")
    var header = true
    var fit = CostFit(), floorFit = CostFit()
    for count in options.subscriberCounts {
        let sfu = try await makeTarget(options)
        if header {
            print("# target: \(sfu.name)")
            print("subscribers  packets_in  forwarded  lost     sfu_cpu_s  fwd_pkt_per_sfu_cpu_s  in_pkt_per_sfu_cpu_s  sfu_allocs_per_pkt_in  wall_s  per_sub_min/max")
            header = false
        }
        let generator = LoadGenerator(
            payloadSize: options.payloadSize, host: clientHost, audio: withAudio, audioPayloadSize: options.audioPayload)
        try await generator.connect(to: sfu, subscriberCount: count)
        _ = try await generator.run(packets: options.warmUp)
        if let loop = sfu.forwardingLoop { try await ThreadProbe.traceAllocations(true, on: loop) }
        let before = try await sfu.sample()
        let result = options.mediaRate
            ? try await generator.runPaced(seconds: options.seconds, packetsPerFrame: options.framePackets)
            : try await generator.run(packets: options.packets)
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
        fit.add(subscribers: count, cpuSeconds: cpu, packetsIn: result.sent)
        if let floor = options.floorBinary {
            // The same copies of the same sizes: video, then audio (RTP header + SRTP tag on each).
            let sendFloor = SendFloor(binary: floor, cpus: options.pin)
            let video = result.sent - result.audioSent
            var floorCPU = try sendFloor.run(copies: count, packets: video, size: options.payloadSize + 12 + 10)
            var sends = "\(video * count) sends of \(options.payloadSize + 22) bytes"
            if result.audioSent > 0 {
                floorCPU += try sendFloor.run(copies: count, packets: result.audioSent, size: options.audioPayload + 12 + 10)
                sends += " + \(result.audioSent * count) of \(options.audioPayload + 22) bytes"
            }
            floorFit.add(subscribers: count, cpuSeconds: floorCPU, packetsIn: result.sent)
            print("#   floor: \(sends) in \(rounded(floorCPU, decimals: 3)) CPU-s")
        }
        if meet_bench_trace_period() > 0 {
            fflush(nil)
            meet_bench_trace_report(Int32(options.traceTop), "\(count) subscriber(s), \(result.sent) packets in")
        }
        try await generator.close()
        try await sfu.shutdown()
    }
    fit.print(label: "sfu")
    if options.floorBinary != nil { floorFit.print(label: "send-only floor") }
}

private func zip2(_ a: Int?, _ b: Int?) -> (Int, Int)? {
    guard let a, let b else { return nil }
    return (a, b)
}

/// This machine's first IPv4 address that is not loopback (still local:
/// the kernel carries traffic to it over `lo`).
private func firstNonLoopbackIPv4() throws -> String {
    let address = try System.enumerateDevices().lazy.compactMap { $0.address }.first {
        $0.protocol == .inet && !($0.ipAddress ?? "127.").hasPrefix("127.")
    }
    guard let ip = address?.ipAddress else { throw BenchError("no non-loopback IPv4 address for the clients (--client-host)") }
    return ip
}
