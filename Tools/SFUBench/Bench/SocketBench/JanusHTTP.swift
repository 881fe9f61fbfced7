import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The few calls of Janus's HTTP API (https://janus.conf.meetecho.com/docs/rest)
/// the benchmark makes. Requests are made one at a time; a plugin message
/// Janus answers asynchronously (`ack`, then an `event`) is completed by
/// long-polling the session (`GET /janus/<session>`) until the event with
/// the same transaction arrives. Every call has a timeout.
struct JanusHTTP: Sendable {
    let base: String
    var timeout: TimeInterval = 10

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
        var request = URLRequest(url: URL(string: "\(base)/\(session)?maxev=10&rid=\(UInt32.random(in: 0...UInt32.max))")!)
        request.timeoutInterval = timeout
        let (data, _) = try await URLSession.shared.data(for: request)
        let json = try JSONSerialization.jsonObject(with: data)
        if let list = json as? [[String: Any]] { return list }
        if let one = json as? [String: Any] { return [one] }
        return []
    }

    @discardableResult
    func post(path: String, _ body: [String: Any], timeout: TimeInterval? = nil) async throws -> [String: Any] {
        var body = body
        body["transaction"] = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = "POST"
        request.timeoutInterval = timeout ?? self.timeout
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = try JSONSerialization.data(withJSONObject: body)
        let (data, _) = try await URLSession.shared.data(for: request)
        guard let reply = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw BenchError("janus: not a JSON object: \(String(decoding: data, as: UTF8.self))")
        }
        if reply["janus"] as? String == "error" { throw BenchError("janus: \(reply)") }
        return reply
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
