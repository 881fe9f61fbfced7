import Foundation

/// A redis-server owned by one test, on a loopback port of its own, so the
/// test can kill and restart it without disturbing the shared server.
/// Needs `redis-server` and `redis-cli` on PATH (`scripts/test` installs them).
public final class PrivateRedis: @unchecked Sendable {
    public let port: Int
    private let directory: URL
    private var process: Process?

    /// Starts a server on a free port (tries a few random ones).
    public static func start() async throws -> PrivateRedis {
        for _ in 0..<20 {
            let server = PrivateRedis(port: Int.random(in: 40_000..<60_000))
            if try await server.launch() { return server }
        }
        throw Failure()
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String { "could not start a private redis-server" }
    }

    private init(port: Int) {
        self.port = port
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("meet-redis-\(port)-\(UUID().uuidString)")
    }

    public var url: String { "redis://127.0.0.1:\(port)" }

    /// Starts (or restarts) redis-server on `port`; false if it did not come up.
    @discardableResult
    public func launch() async throws -> Bool {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "redis-server", "--bind", "127.0.0.1", "--port", "\(port)", "--save", "", "--appendonly", "no",
            "--dir", directory.path, "--logfile", directory.appendingPathComponent("log").path,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        for _ in 0..<200 {
            if !process.isRunning { return false }
            if ping() { return true }
            try await Task.sleep(for: .milliseconds(25))
        }
        return false
    }

    /// SIGKILL: the server vanishes without closing anything gracefully.
    public func kill() {
        guard let process else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    /// SIGSTOP: the server hangs with its connections open and answers
    /// nothing, as a stuck or partitioned Redis does.
    public func freeze() {
        guard let process else { return }
        Foundation.kill(process.processIdentifier, SIGSTOP)
    }

    /// SIGCONT after ``freeze()``: it runs what was queued meanwhile.
    public func thaw() {
        guard let process else { return }
        Foundation.kill(process.processIdentifier, SIGCONT)
    }

    public func stop() {
        kill()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Runs redis-cli against this server.
    @discardableResult
    public func cli(_ arguments: String...) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["redis-cli", "-p", "\(port)"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return "" }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func ping() -> Bool {
        cli("ping") == "PONG"
    }

    deinit {
        if let process, process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
    }
}
