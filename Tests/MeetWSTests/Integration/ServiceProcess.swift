import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One meet-api or meet-ws process started by a test, on a loopback port.
///
/// It runs under a small shell watchdog that kills it when the test runner
/// dies, so a crashed test run leaves no servers behind. Output goes to a
/// log file in the cluster's temporary directory (printed on failure).
final class ServiceProcess: @unchecked Sendable {
    let name: String
    let port: Int
    let logFile: URL
    private let wrapper: Process
    private let pidFile: URL

    init(name: String, binary: URL, port: Int, environment: [String: String], directory: URL) throws {
        self.name = name
        self.port = port
        self.logFile = directory.appendingPathComponent("\(name).log")
        self.pidFile = directory.appendingPathComponent("\(name).pid")
        let script = """
            "$MEET_TEST_BINARY" >"$MEET_TEST_LOG" 2>&1 &
            child=$!
            echo $child >"$MEET_TEST_PIDFILE"
            trap 'kill -9 $child 2>/dev/null; exit 0' TERM INT
            while kill -0 "$MEET_TEST_WATCH" 2>/dev/null && kill -0 $child 2>/dev/null; do sleep 0.3; done
            kill -9 $child 2>/dev/null
            """
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("MEET_") }
        env.merge(environment) { $1 }
        env["MEET_TEST_BINARY"] = binary.path
        env["MEET_TEST_LOG"] = self.logFile.path
        env["MEET_TEST_PIDFILE"] = self.pidFile.path
        env["MEET_TEST_WATCH"] = String(getpid())
        self.wrapper = Process()
        self.wrapper.executableURL = URL(fileURLWithPath: "/bin/sh")
        self.wrapper.arguments = ["-c", script]
        self.wrapper.environment = env
        try self.wrapper.run()
    }

    /// The server's own pid (not the watchdog's).
    var pid: pid_t? {
        guard let text = try? String(contentsOf: self.pidFile, encoding: .utf8) else { return nil }
        return pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Kills the server with SIGKILL: no shutdown code runs, as when a pod dies.
    func kill9() {
        if let pid = self.pid { _ = Glibc.kill(pid, SIGKILL) }
    }

    func stop() {
        self.kill9()
        if self.wrapper.isRunning { self.wrapper.terminate() }
    }

    /// The last lines of the log, for failure messages.
    func logTail(lines: Int = 30) -> String {
        let text = (try? String(contentsOf: self.logFile, encoding: .utf8)) ?? "(no log)"
        return "--- \(self.name) ---\n" + text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    /// A TCP port that was free a moment ago on 127.0.0.1.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClusterError("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw ClusterError("bind() failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A test environment problem, with a message saying how to fix it.
struct ClusterError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
