#if canImport(Glibc)
import Glibc
#endif
import CSFUBenchAlloc
import MeetSFUNode
import NIOCore

/// The SFU the socket benchmark drives, seen from the load generator: only
/// its signaling and a probe of what forwarding cost it. The generator knows
/// nothing else, so the same generator can drive our node in process, our
/// `meet-sfu` as a process, or a peer SFU (Janus VideoRoom over its HTTP or
/// WebSocket API) side by side.
///
/// The shape is the common one of SFUs (ours, Janus, mediasoup): the
/// publisher offers and the SFU answers; for each subscriber the SFU offers
/// and the subscriber answers.
protocol SFUUnderTest: AnyObject, Sendable {
    /// Shown in the output table.
    var name: String { get }
    /// Answers the publisher's offer (SDP text) with the SFU's answer.
    func publish(offer: String) async throws -> String
    /// Opens a subscriber transport for the publisher's tracks: its id and the SFU's offer.
    func subscribe() async throws -> (id: String, offer: String)
    /// Applies a subscriber's answer; forwarding to it starts.
    func acceptSubscriberAnswer(id: String, answer: String) async throws
    /// What forwarding has cost so far (monotonic counters; the benchmark
    /// takes differences).
    func sample() async throws -> NodeSample
    func shutdown() async throws
    /// The forwarding thread's event loop, when in process (allocation
    /// stacks can be traced on it: `MEET_BENCH_ALLOC_TRACE`); nil otherwise.
    var forwardingLoop: (any EventLoop)? { get }
}

extension SFUUnderTest {
    var forwardingLoop: (any EventLoop)? { nil }
}

/// Cumulative cost of the SFU's forwarding thread(s) at one instant.
struct NodeSample: Sendable {
    /// CPU time of the forwarding thread (in process) or process (external).
    var cpuSeconds: Double
    /// Heap allocations on the forwarding thread; nil where not measurable
    /// (an external process such as Janus).
    var allocations: Int?
}

/// Probes the calling thread: run it on the SFU's event loop.
enum ThreadProbe {
    static func sample() -> NodeSample {
        var spec = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
        let allocations = meet_bench_thread_allocations()
        return NodeSample(
            cpuSeconds: Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9,
            allocations: allocations < 0 ? nil : allocations)
    }

    /// Samples the thread behind `loop`.
    static func sample(on loop: any EventLoop) async throws -> NodeSample {
        try await loop.submit { sample() }.get()
    }

    /// Starts or stops recording allocation stacks on `loop`'s thread (a
    /// no-op unless MEET_BENCH_ALLOC_TRACE=N is set).
    static func traceAllocations(_ enabled: Bool, on loop: any EventLoop) async throws {
        guard meet_bench_trace_period() > 0 else { return }
        try await loop.submit { meet_bench_trace_thread(enabled ? 1 : 0) }.get()
    }
}

/// Probes another process by its pid (`/proc/PID/stat` utime + stime):
/// the measurement for an external SFU (meet-sfu, Janus). No allocations.
struct ProcessProbe: Sendable {
    var pid: Int32

    func sample() throws -> NodeSample {
        guard let seconds = ProcStat.cpuSeconds(path: "/proc/\(pid)/stat") else { throw ProbeError.unreadable(pid) }
        return NodeSample(cpuSeconds: seconds, allocations: nil)
    }

    enum ProbeError: Error { case unreadable(Int32) }
}
