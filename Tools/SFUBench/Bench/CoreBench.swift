// The in-process mode of meet-sfu-bench: pushes SRTP-protected video packets
// from one publisher through the node's forwarding core (unprotect → route →
// munge → protect into a send batch) for N subscribers, and prints packets
// per CPU-second and heap allocations per packet. Sockets are left out: this
// measures the per-packet work the SFU itself adds.
//
//   meet-sfu-bench [--packets 20000] [--subscribers 1,10,100] [--payload 1000] [--gcm | --plain]
//                  [--audio [--no-audio-level]] [--vp8-layers | --temporal-layer N]
//
// `--vp8-layers` gives the VP8 packets Chromium's full descriptor (15-bit
// picture ID, TL0PICIDX, TID of L1T3, 10 packets a frame), which the router
// rewrites per subscriber (session 15); `--temporal-layer N` also sets every
// subscriber's temporal layer (1: TID 2 frames dropped, about half the packets).
//
// `--audio` sends Opus-shaped packets instead (the payload size as given,
// e.g. `--payload 120`) carrying the RFC 6464 audio level as browsers do,
// and the router reads it into the track's meter (active speakers), closing
// the meters' windows every 10 packets as the node's report timer would;
// `--no-audio-level` leaves the level unread: the path as it was before.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CSFUBenchAlloc
import MeetRTP
import MeetSFU
import MeetSRTP

struct Options {
    var packets = 20_000
    var subscriberCounts = [1, 10, 100]
    var payloadSize = 1000
    var profile = SRTPProfile.aes128CMHMACSHA1_80
    /// Skip SRTP on both sides: the forwarding core's own cost.
    var plain = false
    /// Opus packets with the audio-level extension instead of VP8.
    var audio = false
    /// With `audio`: read the level per packet (the node's default).
    var audioLevel = true
    /// VP8 with the descriptor's picture ID (15-bit), TL0PICIDX and TID (L1T3,
    /// 10 packets a frame), as Chromium sends it: the node rewrites them per subscriber.
    var vp8Layers = false
    /// With `vp8Layers`: every subscriber's temporal layer (TID 2 frames dropped at 1).
    var temporalLayer: Int?

    init(arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--packets": packets = iterator.next().flatMap { Int($0) } ?? packets
            case "--subscribers":
                subscriberCounts = iterator.next().map { $0.split(separator: ",").compactMap { Int($0) } } ?? subscriberCounts
            case "--payload": payloadSize = iterator.next().flatMap { Int($0) } ?? payloadSize
            case "--gcm": profile = .aeadAES128GCM
            case "--plain": plain = true
            case "--audio": audio = true
            case "--no-audio-level": audioLevel = false
            case "--vp8-layers": vp8Layers = true
            case "--temporal-layer":
                vp8Layers = true
                temporalLayer = iterator.next().flatMap { Int($0) }
            default: break
            }
        }
    }
}

func cpuSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

struct Figures {
    var subscribers: Int
    var packetsIn: Int
    var packetsOut: Int
    var cpu: Double
    var allocations: Int
    /// Allocations inside `routeRTP` alone (route + munge + copy into the batch).
    var routerAllocations: Int
}

let key = [UInt8](repeating: 0x11, count: 16)
let publisherSSRC: UInt32 = 0x1234_5678
let slotSize = RetransmissionCache.defaultSlotSize + SRTPContext.trailerRoom
let transportWideExtensionID: UInt8 = 3
let audioLevelExtensionID: UInt8 = 1

/// Protected packets as the publisher would send them (made before timing).
func makeIngress(count: Int, payloadSize: Int, options: Options) throws -> (buffer: UnsafeMutableRawBufferPointer, lengths: [Int]) {
    let salt = [UInt8](repeating: 0x22, count: options.profile.masterSaltLength)
    let publisher = try SRTPContext(profile: options.profile, masterKey: key, masterSalt: salt, direction: .outbound)
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: count * slotSize, alignment: 16)
    var lengths = [Int]()
    lengths.reserveCapacity(count)
    var payload = [UInt8](repeating: 0x5A, count: payloadSize)
    for index in 0..<count {
        // VP8 descriptor: every 300th packet starts a keyframe.
        payload[0] = 0x10
        payload[1] = index % 300 == 0 ? 0x00 : 0x01
        if options.vp8Layers {
            // X, I (15-bit picture ID), L, T; S on each frame's first packet.
            let frame = index / 10
            let pictureID = UInt16(frame % 32_768)
            payload[0] = index % 10 == 0 ? 0x90 : 0x80
            payload[1] = 0xE0
            payload[2] = 0x80 | UInt8(pictureID >> 8)
            payload[3] = UInt8(pictureID & 0xFF)
            payload[4] = UInt8(truncatingIfNeeded: frame / 4)
            payload[5] = UInt8([0, 2, 1, 2][frame % 4]) << 6 | 0x20
            payload[6] = index % 300 == 0 ? 0x00 : 0x01
        }
        var rtp = RTPPacket(
            marker: index % 10 == 9, payloadType: options.audio ? 111 : 96, sequenceNumber: UInt16(truncatingIfNeeded: index),
            timestamp: UInt32(truncatingIfNeeded: options.audio ? index * 960 : index / 10 * 3000), ssrc: publisherSSRC,
            payload: payload)
        if options.audio {
            // Speech-like: loud for a second, quiet for one (−20 / −70 dBov).
            let level = RTPAudioLevel(level: (index / 50) % 2 == 0 ? 20 : 70, voiceActivity: false)
            try rtp.setExtension(id: audioLevelExtensionID, value: [level.byte])
        }
        // A transport-wide sequence number, as a browser puts on every packet.
        let transportWide = UInt16(truncatingIfNeeded: index)
        try rtp.setExtension(id: transportWideExtensionID, value: [UInt8(transportWide >> 8), UInt8(transportWide & 0xFF)])
        let packet = try rtp.encode()
        let slot = UnsafeMutableRawBufferPointer(rebasing: buffer[(index * slotSize)..<((index + 1) * slotSize)])
        slot.copyBytes(from: packet)
        lengths.append(options.plain ? packet.count : try publisher.protectRTP(slot, length: packet.count))
    }
    return (buffer, lengths)
}

func run(subscribers: Int, options: Options) throws -> Figures {
    let ingress = try makeIngress(count: options.packets, payloadSize: options.payloadSize, options: options)
    let salt = [UInt8](repeating: 0x22, count: options.profile.masterSaltLength)
    defer { ingress.buffer.deallocate() }
    let inbound = try SRTPContext(profile: options.profile, masterKey: key, masterSalt: salt, direction: .inbound)
    let outbound = try (0..<subscribers).map { _ in
        try SRTPContext(profile: options.profile, masterKey: key, masterSalt: salt, direction: .outbound)
    }
    let router = Router(maximumSubscribersPerTrack: max(subscribers, 128))
    router.addTrack(TrackConfiguration(ssrc: publisherSSRC, codec: options.audio ? .opus : .vp8))
    if options.audio && options.audioLevel { router.enableAudioLevels(extensionID: audioLevelExtensionID) }
    var loudest = 0
    let start = ContinuousClock.now
    // The arrival log for transport-wide feedback runs per packet, as in the node
    // (the feedback itself is built on the node's timer, not per packet).
    router.enableTransportWideFeedback(extensionID: transportWideExtensionID, now: start)
    for subscriber in 0..<subscribers {
        _ = router.addDownTrack(publisherSSRC: publisherSSRC, subscriber: subscriber, ssrc: 0x5000 + UInt32(subscriber), now: start)
        if let layer = options.temporalLayer {
            router.setTemporalLayer(layer, publisherSSRC: publisherSSRC, subscriber: subscriber)
        }
    }
    // Room for one packet's whole fan-out, so routing never flushes mid-way
    // (the flush would protect inside the router's allocation window).
    let batch = PacketBatch(capacity: max(subscribers, 1), trailerRoom: SRTPContext.trailerRoom)
    let receive = UnsafeMutableRawBufferPointer.allocate(byteCount: slotSize, alignment: 16)
    defer { receive.deallocate() }
    var sent = 0
    // What the node's egress (MeetRTC's `PeerEgress`) does per slot, minus the socket:
    // protect in place with the subscriber's own outbound context.
    func send(_ batch: PacketBatch) {
        if !options.plain {
            for index in 0..<batch.count {
                _ = try? outbound[batch.destination(at: index)].protectRTP(batch.slot(index), length: batch.length(at: index))
            }
        }
        sent += batch.count
        batch.reset()
    }

    let warmUp = min(1000, options.packets / 10)
    var allocationsBefore = 0
    var cpuBefore = 0.0
    var sentBefore = 0
    var routerAllocations = 0
    for index in 0..<options.packets {
        if index == warmUp {
            sentBefore = sent
            allocationsBefore = meet_bench_allocations()
            cpuBefore = cpuSeconds()
        }
        // "Receive": the datagram lands in the socket's buffer.
        let length = ingress.lengths[index]
        receive.copyMemory(from: UnsafeRawBufferPointer(rebasing: ingress.buffer[(index * slotSize)..<(index * slotSize + length)]))
        guard let plain = options.plain ? length : try? inbound.unprotectRTP(receive, length: length) else { continue }
        // 20 ms of media time per 10 packets, as a 30 fps stream would pace it.
        let now = start + .milliseconds(index * 3)
        let beforeRoute = meet_bench_allocations()
        _ = router.routeRTP(UnsafeRawBufferPointer(rebasing: receive[0..<plain]), now: now, into: batch, flush: { _ in })
        if index >= warmUp { routerAllocations += meet_bench_allocations() - beforeRoute }
        send(batch)
        if options.audio && index % 10 == 9 {
            router.closeAudioLevelWindows { _, level in loudest = max(loudest, level) }
        }
    }
    let cpu = cpuSeconds() - cpuBefore
    if options.audio { print("# loudest smoothed level: \(loudest)") }
    let allocations = meet_bench_allocations() - allocationsBefore
    return Figures(subscribers: subscribers, packetsIn: options.packets - warmUp, packetsOut: sent - sentBefore,
                   cpu: cpu, allocations: allocations, routerAllocations: routerAllocations)
}

func pad(_ text: String, _ width: Int) -> String {
    text + String(repeating: " ", count: max(1, width - text.count))
}

func rounded(_ value: Double, decimals: Int) -> String {
    let scale = Double(Int(pow(10.0, Double(decimals))))
    return String((value * scale).rounded() / scale)
}

/// The in-process mode: prints one table for the requested subscriber counts.
func runCoreBench(arguments: [String]) throws {
    let options = Options(arguments: arguments)
    let media = options.audio ? "Opus, audio level \(options.audioLevel ? "read" : "not read")"
        : options.vp8Layers ? "VP8 with picture ID/TL0PICIDX/TID, temporal layer \(options.temporalLayer.map(String.init) ?? "all")" : "VP8"
    print("# SRTP profile \(options.plain ? "none (--plain)" : "\(options.profile)"), \(options.payloadSize)-byte payloads, \(media)")
    print("subscribers  packets_in  packets_out  cpu_s     in_pkt_per_cpu_s  out_pkt_per_cpu_s  allocs_per_pkt_in  router_allocs_per_pkt_in")
    for count in options.subscriberCounts {
        let figures = try run(subscribers: count, options: options)
        let allocationsPerPacket = figures.allocations < 0 ? "n/a" : rounded(Double(figures.allocations) / Double(figures.packetsIn), decimals: 3)
        print([
            pad(String(figures.subscribers), 13),
            pad(String(figures.packetsIn), 12),
            pad(String(figures.packetsOut), 13),
            pad(rounded(figures.cpu, decimals: 3), 10),
            pad(String(Int(Double(figures.packetsIn) / figures.cpu)), 18),
            pad(String(Int(Double(figures.packetsOut) / figures.cpu)), 19),
            pad(allocationsPerPacket, 19),
            figures.allocations < 0 ? "n/a" : rounded(Double(figures.routerAllocations) / Double(figures.packetsIn), decimals: 3),
        ].joined())
    }
    // Proves the counter is live: setting up the runs allocated plenty.
    print("# allocations counted in the whole process: \(meet_bench_allocations())")
}
