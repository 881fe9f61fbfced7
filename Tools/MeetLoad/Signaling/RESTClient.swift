import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The public REST calls meet-load makes (docs/openapi.yaml): register an
/// owner, create a meeting, join it. Every call has a timeout; a failure is
/// a ``LoadError`` named by status and error code (`rest_429_rate_limited`).
struct RESTClient: Sendable {
    let baseURL: String
    let timeout: TimeInterval

    /// What `POST /v1/meetings/{code}/join` gives a participant.
    struct Seat: Sendable {
        var participantId: UUID
        var status: String
        var joinToken: String
        var wsURL: String
    }

    /// Registers an account and returns its access token.
    func register(name: String) async throws(LoadError) -> String {
        let body: [String: Any] = [
            "email": "load-\(UUID().uuidString.lowercased())@example.com",
            "password": "meet-load " + UUID().uuidString, "displayName": name,
        ]
        let json = try await call("POST", "/v1/auth/register", body: body, expect: 201)
        guard let token = json["accessToken"] as? String else { throw LoadError("rest_bad_response", "register: no accessToken") }
        return token
    }

    /// Creates a meeting without a waiting room and returns its code.
    func createMeeting(token: String, title: String) async throws(LoadError) -> String {
        let json = try await call("POST", "/v1/meetings", body: ["title": title, "waitingRoom": false], token: token, expect: 201)
        guard let code = json["code"] as? String else { throw LoadError("rest_bad_response", "create meeting: no code") }
        return code
    }

    /// Joins `code` as a guest named `name`, or as the account of `token` (its owner: a host).
    func join(code: String, name: String, token: String? = nil) async throws(LoadError) -> Seat {
        let body: [String: Any] = token == nil ? ["displayName": name] : [:]
        let json = try await call("POST", "/v1/meetings/\(code)/join", body: body, token: token, expect: 200)
        guard let token = json["joinToken"] as? String, let wsURL = json["wsUrl"] as? String,
              let participant = json["participant"] as? [String: Any],
              let id = (participant["id"] as? String).flatMap(UUID.init(uuidString:))
        else { throw LoadError("rest_bad_response", "join: unexpected answer") }
        return Seat(participantId: id, status: participant["status"] as? String ?? "", joinToken: token, wsURL: wsURL)
    }

    private func call(
        _ method: String, _ path: String, body: [String: Any], token: String? = nil, expect: Int
    ) async throws(LoadError) -> [String: Any] {
        guard let url = URL(string: baseURL + path) else { throw LoadError("bad_url", "not a URL: \(baseURL + path)") }
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = method
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let data: Data
        let response: URLResponse
        do {
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
            (data, response) = try await URLSession.shared.data(for: request)
        } catch let error as URLError where error.code == .timedOut {
            throw LoadError("rest_timeout", "\(method) \(path): no answer within \(timeout) s")
        } catch {
            throw LoadError("rest_unreachable", "\(method) \(path): \(error)")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        guard status == expect else {
            let code = ((json["error"] as? [String: Any])?["code"] as? String) ?? "error"
            throw LoadError("rest_\(status)_\(code)", "\(method) \(path): \(status) \(String(decoding: data.prefix(300), as: UTF8.self))")
        }
        return json
    }
}

/// A failure meet-load counts: `code` is what the summary groups by (stable,
/// snake_case: `rest_429_rate_limited`, `ws_sfu_unavailable`,
/// `timeout_subscription`...), `detail` is for the log.
struct LoadError: Error, Sendable, CustomStringConvertible {
    var code: String
    var detail: String

    init(_ code: String, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    var description: String { "\(code): \(detail)" }
}
