import Foundation
import MeetStorage
import NIOHTTP1
import NIOPosix

/// The few calls of Janus's HTTP API (https://janus.conf.meetecho.com/docs/rest)
/// the benchmark makes, on SwiftNIO (MeetStorage's `HTTPExchange`: one
/// connection per request; URLSession trapped in its task registry now and
/// then on Linux). Requests are made one at a time; a plugin message Janus
/// answers asynchronously (`ack`, then an `event`) is completed by
/// long-polling the session (`GET /janus/<session>`) until the event with
/// the same transaction arrives. Every call has a timeout.
struct JanusHTTP: Sendable {
    /// Janus's HTTP transport on loopback, and its base path.
    let port: Int
    var basePath = "/janus"
    var timeout: TimeInterval = 10

    init(port: Int) {
        self.port = port
    }

    /// A plugin event: its plugin data and the JSEP it carried, if any.
    struct Event {
        var data: [String: Any]
        var sdp: String?
    }

    /// An error the VideoRoom plugin answered (`error_code`, `error`).
    struct PluginError: Error, CustomStringConvertible {
        var code: Int
        var message: String
        var description: String { "janus videoroom error \(code): \(message)" }
    }

    func create() async throws -> Int {
        try id(in: try await post(path: "", ["janus": "create"]))
    }

    func attach(session: Int) async throws -> Int {
        try id(in: try await post(path: "/\(session)", ["janus": "attach", "plugin": "janus.plugin.videoroom"]))
    }

    /// Tells Janus the peer has no more candidates than those in its SDP
    /// (otherwise it keeps ICE "trickle pending").
    func endOfCandidates(session: Int, handle: Int) async throws {
        try await post(path: "/\(session)/\(handle)", ["janus": "trickle", "candidate": ["completed": true]])
    }

    /// Sends a VideoRoom request and returns its result: the synchronous
    /// `success` reply, or the asynchronous event after an `ack`.
    func message(session: Int, handle: Int, body: [String: Any], jsep: [String: Any]? = nil) async throws -> Event {
        var request: [String: Any] = ["janus": "message", "body": body]
        if let jsep { request["jsep"] = jsep }
        let reply = try await post(path: "/\(session)/\(handle)", request)
        let transaction = reply["transaction"] as? String ?? ""
        switch reply["janus"] as? String {
        case "success": return try event(from: reply)
        case "ack": break
        default: throw BenchError("janus: \(reply)")
        }
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let events = try await poll(session: session)
            if let match = events.first(where: { $0["transaction"] as? String == transaction }) {
                return try event(from: match)
            }
        }
        throw BenchError("janus: no event for transaction \(transaction) within \(Int(timeout)) s")
    }

    /// One long poll: up to 10 queued events (Janus answers at once when
    /// some are queued, after about 30 s otherwise; bounded by `timeout`).
    private func poll(session: Int) async throws -> [[String: Any]] {
        let data = try await exchange(
            .GET, "\(basePath)/\(session)?maxev=10&rid=\(UInt32.random(in: 0...UInt32.max))", body: Data(), timeout: timeout)
        let json = try JSONSerialization.jsonObject(with: data)
        if let list = json as? [[String: Any]] { return list }
        if let one = json as? [String: Any] { return [one] }
        return []
    }

    @discardableResult
    func post(path: String, _ body: [String: Any], timeout: TimeInterval? = nil) async throws -> [String: Any] {
        var body = body
        body["transaction"] = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let data = try await exchange(
            .POST, basePath + path, body: try JSONSerialization.data(withJSONObject: body), timeout: timeout ?? self.timeout)
        guard let reply = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw BenchError("janus: not a JSON object: \(String(decoding: data, as: UTF8.self))")
        }
        if reply["janus"] as? String == "error" { throw BenchError("janus: \(reply)") }
        return reply
    }

    /// One request to Janus on 127.0.0.1; its body (any status: Janus puts
    /// its errors in the JSON).
    private func exchange(_ method: HTTPMethod, _ target: String, body: Data, timeout: TimeInterval) async throws -> Data {
        let http = HTTPExchange(
            group: MultiThreadedEventLoopGroup.singleton, timeout: .milliseconds(Int64(timeout * 1000)), maxBody: 4 << 20)
        let headers = [("host", "127.0.0.1:\(port)"), ("content-type", "application/json")]
        return try await http.send(
            scheme: "http", host: "127.0.0.1", port: port, method: method, target: target, headers: headers, body: body
        ).body
    }

    private func id(in reply: [String: Any]) throws -> Int {
        guard let data = reply["data"] as? [String: Any], let id = data["id"] as? Int else {
            throw BenchError("janus: no id in \(reply)")
        }
        return id
    }

    private func event(from reply: [String: Any]) throws -> Event {
        let plugin = (reply["plugindata"] as? [String: Any])?["data"] as? [String: Any] ?? [:]
        if let error = plugin["error"] { throw PluginError(code: plugin["error_code"] as? Int ?? 0, message: "\(error)") }
        return Event(data: plugin, sdp: (reply["jsep"] as? [String: Any])?["sdp"] as? String)
    }
}
