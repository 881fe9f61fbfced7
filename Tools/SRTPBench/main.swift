@_spi(Testing) import MeetSRTP
import CSFUBenchAlloc
#if canImport(Glibc)
import Glibc
#endif

/// meet-srtp-bench: heap allocations and nanoseconds per SRTP/SRTCP
/// protect and unprotect, for each profile and engine (native vs libsrtp).
/// `swift run -c release SRTPBench [packets] [--check]`; `--check` exits 1
/// if the native engine allocates in steady state. Allocations are counted by the
/// malloc interposer of Tools/SFUBench (glibc only), on this thread, after a
/// warm-up that creates the streams.
struct Workload {
    static let slot = 1600
    let count: Int
    let storage: UnsafeMutableRawBufferPointer
    let lengths: UnsafeMutablePointer<Int>

    init(count: Int) {
        self.count = count
        storage = .allocate(byteCount: count * Self.slot, alignment: 16)
        lengths = .allocate(capacity: count)
    }

    func slot(_ index: Int) -> UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(rebasing: storage[index * Self.slot ..< (index + 1) * Self.slot])
    }
}

struct Measurement {
    var allocationsPerCall: Double
    var nanosecondsPerCall: Double
}

/// Runs `body` over packets `range`, returning allocations and time per call.
func measure(_ range: Range<Int>, _ body: (Int) throws(SRTPError) -> Void) -> Measurement {
    let clock = ContinuousClock()
    var failures = 0
    let before = meet_bench_thread_allocations()
    let elapsed = clock.measure {
        for index in range {
            do throws(SRTPError) { try body(index) } catch { failures += 1 }
        }
    }
    let allocations = meet_bench_thread_allocations() - before
    precondition(failures == 0, "\(failures) packets failed")
    let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
    return Measurement(
        allocationsPerCall: Double(allocations) / Double(range.count),
        nanosecondsPerCall: nanoseconds / Double(range.count))
}

func run(profile: SRTPProfile, engine: SRTPContext.Engine, rtcp: Bool, packets: Int, payload: Int) throws -> (Measurement, Measurement) {
    let key = (0..<16).map { UInt8($0 &* 13 &+ 5) }
    let salt = (0..<profile.masterSaltLength).map { UInt8(0x30 + $0) }
    let sender = try SRTPContext(profile: profile, masterKey: key, masterSalt: salt, direction: .outbound, engine: engine)
    let receiver = try SRTPContext(profile: profile, masterKey: key, masterSalt: salt, direction: .inbound, engine: engine)
    let warmUp = 100
    let work = Workload(count: warmUp + packets)
    let plainLength = (rtcp ? 8 : 12) + payload
    func fill(_ index: Int) {
        let bytes = work.slot(index)
        for offset in 0..<plainLength { bytes[offset] = UInt8(truncatingIfNeeded: offset &* 31) }
        bytes[0] = 0x80
        bytes[1] = rtcp ? 201 : 96
        let sequence = UInt16(truncatingIfNeeded: 60_000 + index)  // crosses 65535 -> 0
        if rtcp { bytes[2] = 0; bytes[3] = UInt8(plainLength / 4 - 1) } else { bytes[2] = UInt8(sequence >> 8); bytes[3] = UInt8(sequence & 0xFF) }
        let ssrcOffset = rtcp ? 4 : 8
        bytes[ssrcOffset] = 0x11; bytes[ssrcOffset + 1] = 0x22; bytes[ssrcOffset + 2] = 0x33; bytes[ssrcOffset + 3] = 0x44
    }
    for index in 0..<work.count { fill(index) }
    func protect(_ index: Int) throws(SRTPError) {
        let bytes = work.slot(index)
        work.lengths[index] = rtcp ? try sender.protectRTCP(bytes, length: plainLength) : try sender.protectRTP(bytes, length: plainLength)
    }
    func unprotect(_ index: Int) throws(SRTPError) {
        let bytes = work.slot(index)
        let length = work.lengths[index]
        let plain = rtcp ? try receiver.unprotectRTCP(bytes, length: length) : try receiver.unprotectRTP(bytes, length: length)
        guard plain == plainLength else { throw .malformedPacket }
    }
    _ = measure(0..<warmUp, protect)
    let protectResult = measure(warmUp..<(warmUp + packets), protect)
    _ = measure(0..<warmUp, unprotect)
    let unprotectResult = measure(warmUp..<(warmUp + packets), unprotect)
    return (protectResult, unprotectResult)
}

let arguments = CommandLine.arguments.dropFirst()
let check = arguments.contains("--check")
let packets = arguments.compactMap { Int($0) }.first ?? 20_000
var nativeAllocations = 0.0
print("packets per run: \(packets); RTP payload 1200 bytes, RTCP payload 72 bytes")
print("| profile | engine | operation | mallocs per call | ns per call |")
print("|---|---|---|---|---|")
for profile in SRTPProfile.allCases {
    for rtcp in [false, true] {
        for engine in SRTPContext.Engine.allCases {
            // Best of three: the machine is shared, the minimum is the cost.
            var (protect, unprotect) = try run(profile: profile, engine: engine, rtcp: rtcp, packets: packets, payload: rtcp ? 72 : 1200)
            for _ in 0..<2 {
                let (p, u) = try run(profile: profile, engine: engine, rtcp: rtcp, packets: packets, payload: rtcp ? 72 : 1200)
                if p.nanosecondsPerCall < protect.nanosecondsPerCall { protect = p }
                if u.nanosecondsPerCall < unprotect.nanosecondsPerCall { unprotect = u }
            }
            let kind = rtcp ? "RTCP" : "RTP"
            for (name, result) in [("protect\(kind)", protect), ("unprotect\(kind)", unprotect)] {
                let ns = (result.nanosecondsPerCall * 10).rounded() / 10
                let allocs = (result.allocationsPerCall * 100).rounded() / 100
                print("| \(profile) | \(engine) | \(name) | \(allocs) | \(ns) |")
                if engine == .native { nativeAllocations += result.allocationsPerCall }
            }
        }
    }
}

// --check: fail (exit 1) unless the native engine allocated nothing.
if check, nativeAllocations != 0 {
    print("FAIL: the native engine allocated \(nativeAllocations) times per call (summed over operations)")
    exit(1)
}
