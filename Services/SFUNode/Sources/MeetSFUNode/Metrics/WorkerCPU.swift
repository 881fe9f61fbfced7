#if canImport(Glibc)
import Glibc
#endif
import Metrics
import NIOCore

/// CPU time of each forwarding event loop's thread, as the counter
/// `meet_sfu_worker_cpu_seconds_total{worker="<index>"}`: with media on
/// several loops (`MEET_SFU_WORKERS`), one hot loop among idle ones shows
/// here and not in the process CPU. Read from `/proc/self/task/<tid>/stat`
/// (Linux; elsewhere the counter stays absent), once per heartbeat.
final class WorkerCPU: @unchecked Sendable {
    private struct Worker {
        var threadID: Int32
        var counter: FloatingPointCounter
        var lastSeconds: Double
    }
    /// Touched only by the heartbeat, one beat at a time.
    private var workers: [Worker] = []

    /// Finds the thread of each loop (one hop to each, once).
    static func discover(loops: [any EventLoop]) async -> WorkerCPU {
        let cpu = WorkerCPU()
        for (index, loop) in loops.enumerated() {
            guard let threadID = try? await loop.submit({ Self.currentThreadID() }).get(), threadID > 0 else { continue }
            cpu.workers.append(Worker(
                threadID: threadID,
                counter: FloatingPointCounter(label: "meet_sfu_worker_cpu_seconds_total", dimensions: [("worker", String(index))]),
                lastSeconds: 0))
        }
        return cpu
    }

    /// Adds each worker's CPU time since the last call to its counter.
    func record() {
        for index in workers.indices {
            guard let seconds = Self.threadCPUSeconds(workers[index].threadID) else { continue }
            let step = seconds - workers[index].lastSeconds
            if step > 0 { workers[index].counter.increment(by: step) }
            workers[index].lastSeconds = max(seconds, workers[index].lastSeconds)
        }
    }

    /// The kernel's id of the calling thread (0 where unknown), from the
    /// `/proc/thread-self` link ("<pid>/task/<tid>"): Swift's Glibc does not
    /// export `gettid()`.
    static func currentThreadID() -> Int32 {
        var buffer = [CChar](repeating: 0, count: 64)
        let count = readlink("/proc/thread-self", &buffer, buffer.count - 1)
        guard count > 0 else { return 0 }
        let link = String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return link.split(separator: "/").last.flatMap { Int32($0) } ?? 0
    }

    static func threadCPUSeconds(_ threadID: Int32) -> Double? {
        ProcStat.cpuSeconds(path: "/proc/self/task/\(threadID)/stat")
    }
}

/// Reads a process's or thread's CPU time from Linux's `/proc/.../stat`.
public enum ProcStat {
    /// User + system CPU seconds in a `stat` file (fields 14 and 15, in
    /// clock ticks); nil when it cannot be read (gone, not Linux).
    public static func cpuSeconds(path: String) -> Double? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 1024)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return nil }
        let line = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // The command name in parentheses may hold spaces: count fields after the last ')'.
        guard let close = line.lastIndex(of: ")") else { return nil }
        let fields = line[line.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
