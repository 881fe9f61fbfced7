#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Janus 1.1 (Debian's `janus` package) with its VideoRoom plugin as the SFU
/// under test: started as a process with a generated minimal configuration
/// (``JanusConfiguration``: VideoRoom and the HTTP transport only, HTTP and
/// ICE on loopback only) and driven through its HTTP API (``JanusHTTP``):
///
/// - one session, kept alive by a keepalive every 15 s;
/// - the publisher: a handle, `create` room, `joinandconfigure` as publisher
///   with our offer → Janus's answer (an asynchronous event);
/// - each subscriber: its own handle, `join` as subscriber to the publisher's
///   feed → Janus's offer; `start` with our answer.
///
/// Measured like `meet-sfu`: the process's CPU time (`ProcessProbe`).
final class JanusVideoRoom: SFUUnderTest, @unchecked Sendable {
    let name = "janus (VideoRoom over HTTP API, process CPU)"
    private let process = Process()
    private let directory: String
    private let probe: ProcessProbe
    private let api: JanusHTTP
    private let room = Int.random(in: 1000...999_999)
    private var session = 0
    private var publisherFeed = 0
    /// Subscriber handles by the id the generator knows them by.
    private var subscriberHandles: [String: Int] = [:]
    private var keepalive: Task<Void, Never>?

    /// Starts `binary` (`janus`) with a fresh configuration in a temporary
    /// directory, HTTP on `127.0.0.1:httpPort`, optionally pinned with
    /// `taskset -c cpus`, and waits until its HTTP API answers.
    init(binary: String, httpPort: Int, cpus: String?) async throws {
        directory = NSTemporaryDirectory() + "meet-bench-janus-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try JanusConfiguration(directory: directory, httpPort: httpPort).write()
        let arguments = ["-F", directory, "-C", directory + "/janus.jcfg", "-L", directory + "/janus.log", "-N"]
        launch(process, binary: binary, arguments: arguments, cpus: cpus)
        // Janus logs to its file; it must not hold the bench's own output
        // open (a caller reading it to the end would wait for Janus too).
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        probe = ProcessProbe(pid: process.processIdentifier)
        api = JanusHTTP(port: httpPort)

        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            do {
                session = try await api.create()
                break
            } catch {
                guard process.isRunning, ContinuousClock.now < deadline else {
                    throw BenchError("janus did not answer on port \(httpPort) within 30 s (log: \(directory)/janus.log): \(error)")
                }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        // Another Janus on the port would have answered instead of ours.
        try await Task.sleep(for: .milliseconds(200))
        guard process.isRunning else { throw BenchError("janus exited at start (port \(httpPort) taken?), log: \(directory)/janus.log") }
        let session = session, api = api
        keepalive = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(15))
                _ = try? await api.post(path: "/\(session)", ["janus": "keepalive"])
            }
        }
    }

    func publish(offer: String) async throws -> String {
        let handle = try await api.attach(session: session)
        _ = try await api.message(
            session: session, handle: handle,
            body: ["request": "create", "room": room, "publishers": 1, "bitrate": 0, "videocodec": "vp8", "audiocodec": "opus"])
        let event = try await api.message(
            session: session, handle: handle,
            body: ["request": "joinandconfigure", "room": room, "ptype": "publisher", "display": "bench"],
            jsep: ["type": "offer", "sdp": offer])
        guard let sdp = event.sdp, let feed = event.data["id"] as? Int else {
            throw BenchError("janus publisher join: no answer in \(event.data)")
        }
        try await api.endOfCandidates(session: session, handle: handle)
        publisherFeed = feed
        return sdp
    }

    /// Janus answers "No such feed" (428) until the publisher's
    /// PeerConnection is up, and the generator subscribes right after
    /// publishing: retried for up to 10 s.
    func subscribe() async throws -> (id: String, offer: String) {
        let handle = try await api.attach(session: session)
        let deadline = ContinuousClock.now + .seconds(10)
        var event: JanusHTTP.Event
        while true {
            do {
                event = try await api.message(
                    session: session, handle: handle,
                    body: ["request": "join", "room": room, "ptype": "subscriber", "streams": [["feed": publisherFeed]]])
                break
            } catch let error as JanusHTTP.PluginError where error.code == 428 && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        guard let sdp = event.sdp else { throw BenchError("janus subscriber join: no offer in \(event.data)") }
        subscriberHandles[String(handle)] = handle
        return (String(handle), sdp)
    }

    func acceptSubscriberAnswer(id: String, answer: String) async throws {
        guard let handle = subscriberHandles[id] else { throw BenchError("unknown janus subscriber \(id)") }
        _ = try await api.message(
            session: session, handle: handle, body: ["request": "start", "room": room], jsep: ["type": "answer", "sdp": answer])
        try await api.endOfCandidates(session: session, handle: handle)
    }

    func sample() async throws -> NodeSample {
        try probe.sample()
    }

    func shutdown() async throws {
        keepalive?.cancel()
        _ = try? await api.post(path: "/\(session)", ["janus": "destroy"], timeout: 2)
        // Janus's own shutdown can take many seconds: SIGKILL after 2.
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            let deadline = ContinuousClock.now + .seconds(2)
            while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// Sets `process` to run `binary arguments`, through `taskset -c cpus` when
/// pinned (taskset execs the binary, so the pid is the SFU's own).
func launch(_ process: Process, binary: String, arguments: [String], cpus: String?) {
    if let cpus {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/taskset")
        process.arguments = ["-c", cpus, binary] + arguments
    } else {
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
    }
}

/// The smallest Janus configuration the benchmark needs, written as Janus's
/// own `.jcfg` files into one directory: the VideoRoom plugin and the HTTP
/// transport only (symlinked into private plugin/transport folders so no
/// other plugin loads), no event handlers or loggers, HTTP bound to
/// 127.0.0.1, no admin API, ICE-lite (the generator's clients are
/// MeetRTC's controlling agent, which expects a lite peer: with full ICE,
/// Janus as the subscriber's offerer would also control). ICE cannot be held to `lo`: Janus's libnice
/// never gathers loopback candidates (`ice_enforce_list = "lo"` or
/// `"127.0.0.1"` is accepted and ignored, measured with 1.1.2), so Janus
/// offers the machine's own addresses; those are local, so the kernel
/// carries the media over loopback all the same.
struct JanusConfiguration {
    var directory: String
    var httpPort: Int
    /// Where Debian's package installs the plugins.
    var libraryFolder = "/usr/lib/x86_64-linux-gnu/janus"

    func write() throws {
        let manager = FileManager.default
        for folder in ["plugins", "transports", "none"] {
            try manager.createDirectory(atPath: "\(directory)/\(folder)", withIntermediateDirectories: true)
        }
        try manager.createSymbolicLink(
            atPath: "\(directory)/plugins/libjanus_videoroom.so", withDestinationPath: "\(libraryFolder)/plugins/libjanus_videoroom.so")
        try manager.createSymbolicLink(
            atPath: "\(directory)/transports/libjanus_http.so", withDestinationPath: "\(libraryFolder)/transports/libjanus_http.so")
        let files = [
            "janus.jcfg": """
                general: {
                    configs_folder = "\(directory)"
                    plugins_folder = "\(directory)/plugins"
                    transports_folder = "\(directory)/transports"
                    events_folder = "\(directory)/none"
                    loggers_folder = "\(directory)/none"
                    debug_level = 3
                    session_timeout = 60
                }
                media: {
                    ipv6 = false
                }
                nat: {
                    ice_lite = true
                    nice_debug = false
                }
                """,
            "janus.transport.http.jcfg": """
                general: {
                    base_path = "/janus"
                    http = true
                    ip = "127.0.0.1"
                    port = \(httpPort)
                    https = false
                }
                admin: {
                    admin_http = false
                }
                """,
            "janus.plugin.videoroom.jcfg": "general: {\n}\n",
        ]
        for (name, text) in files {
            try text.write(toFile: "\(directory)/\(name)", atomically: true, encoding: .utf8)
        }
    }
}
