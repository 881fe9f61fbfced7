import Foundation
import MeetProtocol
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Just enough of meet-api's REST surface to set up meetings for the signaling tests.
struct APIClient: Sendable {
    let baseURL: String

    struct Account: Sendable {
        let accessToken: String
    }

    struct Joined: Sendable {
        let participantId: UUID
        let status: String
        let token: String
    }

    func register(name: String = "Host") async throws -> Account {
        let body: [String: Any] = [
            "email": "ws-\(UUID().uuidString.lowercased())@example.com", "password": "correct horse battery", "displayName": name,
        ]
        let json = try await self.call("POST", "/v1/auth/register", body: body, expect: 201)
        guard let token = json["accessToken"] as? String else { throw ClusterError("register: no accessToken in \(json)") }
        return Account(accessToken: token)
    }

    /// Creates a meeting owned by `owner` and returns its code.
    func createMeeting(owner: Account, waitingRoom: Bool = false) async throws -> String {
        let json = try await self.call(
            "POST", "/v1/meetings", body: ["title": "Signaling test", "waitingRoom": waitingRoom], token: owner.accessToken,
            expect: 201)
        guard let code = json["code"] as? String else { throw ClusterError("create meeting: no code in \(json)") }
        return code
    }

    /// Joins as `account`, or as a guest named `guestName`.
    func join(_ code: String, as account: Account? = nil, guestName: String? = nil) async throws -> Joined {
        var body: [String: Any] = [:]
        if let guestName { body["displayName"] = guestName }
        let json = try await self.call("POST", "/v1/meetings/\(code)/join", body: body, token: account?.accessToken, expect: 200)
        guard let token = json["joinToken"] as? String, let participant = json["participant"] as? [String: Any],
            let id = (participant["id"] as? String).flatMap(UUID.init(uuidString:)), let status = participant["status"] as? String
        else { throw ClusterError("join: unexpected answer \(json)") }
        return Joined(participantId: id, status: status, token: token)
    }

    /// Chat history bodies, newest first.
    func messageBodies(_ code: String, as account: Account) async throws -> [String] {
        let json = try await self.call("GET", "/v1/meetings/\(code)/messages", token: account.accessToken, expect: 200)
        let items = json["items"] as? [[String: Any]] ?? []
        return items.compactMap { $0["body"] as? String }
    }

    /// Live participants' statuses by id (`GET /v1/meetings/{code}/participants`).
    func participantStatuses(_ code: String, as account: Account) async throws -> [UUID: String] {
        let json = try await self.call("GET", "/v1/meetings/\(code)/participants", token: account.accessToken, expect: 200)
        var out: [UUID: String] = [:]
        for item in json["items"] as? [[String: Any]] ?? [] {
            if let id = (item["id"] as? String).flatMap(UUID.init(uuidString:)), let status = item["status"] as? String {
                out[id] = status
            }
        }
        return out
    }

    /// The meeting's status as the account's meeting list shows it
    /// (`GET /v1/meetings/{code}` of an ended meeting is 410 `meeting_ended`).
    func meetingStatus(_ code: String, as account: Account) async throws -> String? {
        let page = try await self.call("GET", "/v1/meetings?limit=100", token: account.accessToken, expect: 200)
        let items = page["items"] as? [[String: Any]] ?? []
        return items.first { $0["code"] as? String == code }?["status"] as? String
    }

    private func call(
        _ method: String, _ path: String, body: [String: Any]? = nil, token: String? = nil, expect: Int
    ) async throws -> [String: Any] {
        var request = URLRequest(url: URL(string: self.baseURL + path)!)
        request.httpMethod = method
        if let body {
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard status == expect else {
            throw ClusterError("\(method) \(path): expected \(expect), got \(status): \(String(decoding: data, as: UTF8.self))")
        }
        return (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }
}
