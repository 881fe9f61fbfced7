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
        var userId: UUID? = nil
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
        let userId = ((json["user"] as? [String: Any])?["id"] as? String).flatMap(UUID.init(uuidString:))
        return Account(accessToken: token, userId: userId)
    }

    /// Creates a meeting owned by `owner` and returns its code.
    func createMeeting(owner: Account, waitingRoom: Bool = false, capacity: Int? = nil) async throws -> String {
        var body: [String: Any] = ["title": "Signaling test", "waitingRoom": waitingRoom]
        if let capacity { body["capacity"] = capacity }
        let json = try await self.call("POST", "/v1/meetings", body: body, token: owner.accessToken, expect: 201)
        guard let code = json["code"] as? String else { throw ClusterError("create meeting: no code in \(json)") }
        return code
    }

    /// Joins as `account`, or as a guest named `guestName` (from `deviceId` when given).
    func join(_ code: String, as account: Account? = nil, guestName: String? = nil, deviceId: String? = nil) async throws -> Joined {
        var body: [String: Any] = [:]
        if let guestName { body["displayName"] = guestName }
        if let deviceId { body["deviceId"] = deviceId }
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

    /// A REST join expected to fail: the status and the error code.
    func refusedJoin(_ code: String, as account: Account? = nil, guestName: String? = nil, deviceId: String? = nil) async throws
        -> (status: Int, code: String?)
    {
        var body: [String: Any] = [:]
        if let guestName { body["displayName"] = guestName }
        if let deviceId { body["deviceId"] = deviceId }
        let (status, json) = try await self.raw("POST", "/v1/meetings/\(code)/join", body: body, token: account?.accessToken)
        return (status, (json["error"] as? [String: Any])?["code"] as? String)
    }

    func addMember(_ code: String, userId: UUID, role: String, as account: Account) async throws {
        _ = try await self.call(
            "POST", "/v1/meetings/\(code)/members", body: ["userId": userId.uuidString, "role": role], token: account.accessToken,
            expect: 201)
    }

    func setRole(_ code: String, userId: UUID, role: String, as account: Account) async throws {
        _ = try await self.call(
            "PATCH", "/v1/meetings/\(code)/members/\(userId.uuidString)", body: ["role": role], token: account.accessToken,
            expect: 200)
    }

    func removeMember(_ code: String, userId: UUID, as account: Account) async throws {
        _ = try await self.call("DELETE", "/v1/meetings/\(code)/members/\(userId.uuidString)", token: account.accessToken, expect: 204)
    }

    func setCapacity(_ code: String, _ capacity: Int, as account: Account) async throws {
        _ = try await self.call("PATCH", "/v1/meetings/\(code)", body: ["capacity": capacity], token: account.accessToken, expect: 200)
    }

    /// The meeting's bans as (id, guest) pairs, newest first.
    func bans(_ code: String, as account: Account) async throws -> [(id: String, guest: Bool)] {
        let json = try await self.call("GET", "/v1/meetings/\(code)/bans", token: account.accessToken, expect: 200)
        return (json["items"] as? [[String: Any]] ?? []).compactMap { item in
            (item["id"] as? String).map { ($0, item["guest"] as? Bool ?? false) }
        }
    }

    func liftBan(_ code: String, banId: String, as account: Account) async throws {
        _ = try await self.call("DELETE", "/v1/meetings/\(code)/bans/\(banId)", token: account.accessToken, expect: 204)
    }

    /// Invites an account to a meeting (its user gets an `invitation` notification).
    func invite(_ code: String, userId: UUID, as account: Account) async throws {
        let body: [String: Any] = ["userId": userId.uuidString.lowercased(), "role": "attendee"]
        _ = try await self.call("POST", "/v1/meetings/\(code)/invitations", body: body, token: account.accessToken, expect: 201)
    }

    /// `DELETE /v1/users/me` with the password ``register(name:)`` set.
    func deleteAccount(_ account: Account) async throws {
        _ = try await self.call(
            "DELETE", "/v1/users/me", body: ["password": "correct horse battery"], token: account.accessToken, expect: 204)
    }

    /// `GET /v1/notifications/socket`: the user socket's URL.
    func notificationSocketURL(as account: Account) async throws -> String {
        let json = try await self.call("GET", "/v1/notifications/socket", token: account.accessToken, expect: 200)
        guard let url = json["wsUrl"] as? String else { throw ClusterError("notification socket: no wsUrl in \(json)") }
        return url
    }

    /// The ids of the account's notifications, newest first.
    func notificationIds(as account: Account) async throws -> [String] {
        let json = try await self.call("GET", "/v1/notifications", token: account.accessToken, expect: 200)
        return (json["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
    }

    private func raw(_ method: String, _ path: String, body: [String: Any]? = nil, token: String? = nil) async throws
        -> (Int, [String: Any])
    {
        var request = URLRequest(url: URL(string: self.baseURL + path)!)
        request.httpMethod = method
        if let body {
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:])
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
