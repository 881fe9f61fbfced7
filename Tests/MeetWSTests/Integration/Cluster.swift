import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// meet-api and meet-ws replicas as real processes against the real
/// PostgreSQL and Redis of `scripts/test` (`MEET_TEST_DATABASE_URL`,
/// `MEET_TEST_REDIS_URL`). Short presence TTL and grace so failure paths
/// finish in seconds; a key prefix of its own so clusters never see each
/// other's presence in the shared Redis.
final class Cluster: @unchecked Sendable {
    static let presenceTTLSeconds = 3
    static let resumeGraceSeconds = 6

    let directory: URL
    let api: ServiceProcess
    private(set) var replicas: [ServiceProcess] = []
    private let environment: [String: String]
    /// The HS256 key every process of this cluster shares (tests mint tokens with it).
    var jwtSecret: String? { self.environment["MEET_JWT_SECRET"] }
    private let wsBinary: URL

    var apiURL: String { "http://127.0.0.1:\(self.api.port)" }
    func wsURL(_ replica: Int) -> String { "ws://127.0.0.1:\(self.replicas[replica].port)/v1/ws" }

    /// Starts meet-api and `replicas` meet-ws processes, runs `body`, and
    /// stops them all, whether `body` succeeds or throws.
    static func with<T>(
        replicas: Int = 2, environment extra: [String: String] = [:], _ body: (Cluster) async throws -> T
    ) async throws -> T {
        let cluster = try await Cluster(replicas: replicas, extra: extra)
        do {
            let result = try await body(cluster)
            cluster.stop()
            return result
        } catch {
            let logs = cluster.allProcesses.map { $0.logTail() }.joined(separator: "\n")
            cluster.stop()
            throw ClusterError("\(error)\n\(logs)")
        }
    }

    private init(replicas: Int, extra: [String: String]) async throws {
        let env = ProcessInfo.processInfo.environment
        guard let databaseURL = env["MEET_TEST_DATABASE_URL"], let redisURL = env["MEET_TEST_REDIS_URL"] else {
            throw ClusterError("MEET_TEST_DATABASE_URL and MEET_TEST_REDIS_URL must be set (run scripts/test)")
        }
        let binDir = Self.binDirectory()
        let apiBinary = binDir.appendingPathComponent("meet-api")
        let wsBinary = binDir.appendingPathComponent("meet-ws")
        self.wsBinary = wsBinary
        for binary in [apiBinary, wsBinary] where !FileManager.default.isExecutableFile(atPath: binary.path) {
            throw ClusterError("\(binary.path) is not built; run `swift build` (scripts/test does) before these tests")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("meet-ws-it-\(UUID().uuidString.prefix(8))")
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let secret = "test-secret-" + UUID().uuidString + UUID().uuidString
        let environment = [
            "MEET_ENV": "development", "MEET_LOG_FORMAT": "text", "MEET_LOG_LEVEL": "info",
            "MEET_DATABASE_URL": databaseURL, "MEET_REDIS_URL": redisURL, "MEET_JWT_SECRET": secret,
            "MEET_BCRYPT_COST": "4", "MEET_AUTH_RATE_LIMIT_PER_ADDRESS": "100000", "MEET_AUTH_RATE_LIMIT_PER_EMAIL": "1000",
            "MEET_GUEST_JOIN_RATE_LIMIT_PER_ADDRESS": "100000", "MEET_GUEST_JOIN_RATE_LIMIT_PER_MEETING": "100000",
            "MEET_WS_KEY_PREFIX": "it-\(UUID().uuidString.prefix(8).lowercased())",
            "MEET_WS_PRESENCE_TTL_SECONDS": String(Self.presenceTTLSeconds),
            "MEET_WS_RESUME_GRACE_SECONDS": String(Self.resumeGraceSeconds),
            "MEET_WS_SWEEP_INTERVAL_MS": "200",
        ]
        let apiPort = try ServiceProcess.freePort()
        self.environment = environment.merging(extra) { $1 }
        // meet-api gets the extra settings too (a short MEET_JOIN_TOKEN_TTL_SECONDS, say).
        var apiEnvironment = environment.merging(extra) { $1 }
        apiEnvironment["MEET_HTTP_PORT"] = String(apiPort)
        apiEnvironment["MEET_PUBLIC_WS_URL"] = "ws://127.0.0.1:1/v1/ws"
        self.api = try ServiceProcess(name: "meet-api", binary: apiBinary, port: apiPort, environment: apiEnvironment, directory: directory)
        do {
            try await Self.waitUntilReady(self.api)
            for _ in 0..<replicas { _ = try await self.addReplica() }
        } catch {
            let logs = self.allProcesses.map { $0.logTail() }.joined(separator: "\n")
            self.stop()
            throw ClusterError("\(error)\n\(logs)")
        }
    }

    /// Starts one more meet-ws replica and returns its index.
    func addReplica() async throws -> Int {
        let index = self.replicas.count
        let port = try ServiceProcess.freePort()
        var environment = self.environment
        environment["MEET_HTTP_PORT"] = String(port)
        environment["MEET_WS_REPLICA_ID"] = "replica-\(index + 1)-\(UUID().uuidString.prefix(4).lowercased())"
        let replica = try ServiceProcess(
            name: "meet-ws-\(index + 1)", binary: self.wsBinary, port: port, environment: environment, directory: self.directory)
        self.replicas.append(replica)
        try await Self.waitUntilReady(replica)
        return index
    }

    var allProcesses: [ServiceProcess] { [self.api] + self.replicas }

    func stop() {
        for process in self.allProcesses { process.stop() }
    }

    /// Polls `/readyz` until 200, for up to 60 s (a cold debug binary on a busy machine is slow).
    static func waitUntilReady(_ process: ServiceProcess) async throws {
        let url = URL(string: "http://127.0.0.1:\(process.port)/readyz")!
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let (_, response) = try? await URLSession.shared.data(from: url),
                (response as? HTTPURLResponse)?.statusCode == 200
            {
                return
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw ClusterError("\(process.name) did not become ready on port \(process.port) within 60 s")
    }

    /// `MEET_BIN_DIR`, else `.build/debug` of this package.
    static func binDirectory() -> URL {
        if let dir = ProcessInfo.processInfo.environment["MEET_BIN_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: dir)
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug")
    }
}
