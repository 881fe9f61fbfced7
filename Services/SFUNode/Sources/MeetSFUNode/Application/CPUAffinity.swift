import Foundation
import NIOCore

/// How many cores this process may run on: the CPUs in its affinity mask
/// (`taskset`, cpusets, Kubernetes' static CPU manager), capped by NIO's
/// count, which follows a cgroup CPU quota. What `MEET_SFU_WORKERS`
/// defaults to: one forwarding loop per core the process is given, not per
/// core the machine has.
enum CPUAffinity {
    static func availableCores() -> Int {
        let quota = System.coreCount
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let allowed = cpusAllowed(status: status)
        else { return max(1, quota) }
        return max(1, min(allowed, quota))
    }

    /// Counts the CPUs of `/proc/self/status`'s `Cpus_allowed_list:` line
    /// ("0-3,8,10-11" is 7); nil when absent or malformed.
    static func cpusAllowed(status: String) -> Int? {
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }) else {
            return nil
        }
        let list = line.dropFirst("Cpus_allowed_list:".count).trimmingCharacters(in: .whitespaces)
        var count = 0
        for range in list.split(separator: ",") {
            let bounds = range.split(separator: "-").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            switch bounds.count {
            case 1:
                guard bounds[0] != nil else { return nil }
                count += 1
            case 2:
                guard let low = bounds[0], let high = bounds[1], high >= low else { return nil }
                count += high - low + 1
            default:
                return nil
            }
        }
        return count > 0 ? count : nil
    }
}
