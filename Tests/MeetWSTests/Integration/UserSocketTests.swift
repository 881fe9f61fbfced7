import Foundation
import MeetAuth
import MeetCore
import MeetProtocol
import Testing

/// The user socket (`GET /v1/ws/user`, docs/signaling.md "User sockets"):
/// a signed-in page outside any meeting hears of its user's notifications
/// live, through real meet-api and meet-ws processes on the real PostgreSQL
/// and Redis.
extension SignalingIntegrationTests {
    @Suite struct UserSocketTests {
        @Test func notificationsReachEveryUserSocketOfTheirUserAndNobodyElse() async throws {
            try await Cluster.with(replicas: 2, environment: ["MEET_WS_USER_SOCKETS_PER_USER": "2"]) { cluster in
                let api = APIClient(baseURL: cluster.apiURL)
                let ann = try await api.register(name: "Ann")
                let bob = try await api.register(name: "Bob")
                let carol = try await api.register(name: "Carol")
                let bobId = try #require(bob.userId)
                // meet-api names the user socket beside MEET_PUBLIC_WS_URL (the cluster's is ws://127.0.0.1:1/v1/ws).
                #expect(try await api.notificationSocketURL(as: bob) == "ws://127.0.0.1:1/v1/ws/user")

                // Bob on both replicas, Carol beside him on the first; each hears `user-ready` once subscribed.
                let bobHere = try await Self.open(cluster, replica: 0, bob, name: "bob-0")
                let bobThere = try await Self.open(cluster, replica: 1, bob, name: "bob-1")
                let carolHere = try await Self.open(cluster, replica: 0, carol, name: "carol-0")

                // The client's heartbeat: `ping` answered with `pong`; nothing else is served here.
                bobHere.send(.ping(PingData(nonce: "hb")), id: "hb-1")
                let pong = try await bobHere.expect("pong")
                #expect(pong.id == "hb-1")
                #expect(pong.message == .pong(PingData(nonce: "hb")))
                bobHere.send(.join, id: "j")
                let refused = try await bobHere.expect("error")
                guard case .error(let error) = refused.message else { throw ClusterError("not an error") }
                #expect(refused.id == "j" && error.code == .notSupported)
                bobHere.sendRaw("not json")
                guard case .error(let malformed) = try await bobHere.expect("error").message else { throw ClusterError("not an error") }
                #expect(malformed.code == .malformedJSON)

                // Ann invites Bob: both of his sockets get the stored notification, Carol's nothing.
                let code = try await api.createMeeting(owner: ann)
                try await api.invite(code, userId: bobId, as: ann)
                let stored = try await api.notificationIds(as: bob)
                #expect(stored.count == 1)
                for socket in [bobHere, bobThere] {
                    let frame = try await socket.expect("notification")
                    guard case .notification(let notification) = frame.message else { throw ClusterError("not a notification") }
                    #expect(stored.first.flatMap(UUID.init(uuidString:)) == notification.id)
                    #expect(notification.kind == "invitation" && notification.meetingCode == code)
                }
                try await carolHere.expectSilence()
                try await bobHere.expectSilence()

                // Two user sockets per user and replica: a third on replica 0 is refused; replica 1 has room.
                let bobSecond = try await Self.open(cluster, replica: 0, bob, name: "bob-0b")
                await #expect(throws: (any Error).self) {
                    _ = try await SignalClient.connect(cluster.wsURL(0) + "/user", token: bob.accessToken, name: "bob-0c")
                }
                let bobThird = try await Self.open(cluster, replica: 1, bob, name: "bob-1b")
                // Once one closes, there is room again.
                await bobSecond.disconnect()
                let bobAgain = try await Self.openEventually(cluster, replica: 0, bob, name: "bob-0d")

                for socket in [bobHere, bobThere, carolHere, bobThird, bobAgain] { await socket.disconnect() }
            }
        }

        @Test func refusedWithoutAValidAccessTokenAndClosedWhenItExpires() async throws {
            try await Cluster.with(replicas: 1) { cluster in
                let api = APIClient(baseURL: cluster.apiURL)
                let owner = try await api.register(name: "Owner")
                let userId = try #require(owner.userId)
                let code = try await api.createMeeting(owner: owner)
                let joined = try await api.join(code, as: owner)
                let url = cluster.wsURL(0) + "/user"
                let secret = try #require(cluster.jwtSecret)
                // No token, garbage, a join token (the wrong kind), an expired access token: no socket.
                let past = await TokenService(
                    configuration: try JWTConfiguration(secret: secret), accessTokenTTL: .seconds(60),
                    now: { Date().addingTimeInterval(-3600) })
                let expired = try await past.makeAccessToken(userId: userId).token
                for (token, name) in [("", "none"), ("a.b.c", "garbage"), (joined.token, "join-token"), (expired, "expired")] {
                    await #expect(throws: (any Error).self, "\(name)") { _ = try await SignalClient.connect(url, token: token, name: name) }
                }

                // A token that expires in 6 s (time enough for `user-ready` on a loaded machine;
                // `exp` is in whole seconds): the socket closes with 4401 then.
                let short = await TokenService(configuration: try JWTConfiguration(secret: secret), accessTokenTTL: .seconds(6))
                let token = try await short.makeAccessToken(userId: userId).token
                let socket = try await SignalClient.connect(url, token: token, name: "short")
                try await socket.expect("user-ready")
                #expect(try await socket.closeCode(within: .seconds(15)) == 4401)
            }
        }

        /// A deleted account's user sockets close (4401) on every replica, and
        /// its token, still unexpired, opens no new one.
        @Test func aDeletedAccountLosesItsUserSockets() async throws {
            try await Cluster.with(replicas: 2) { cluster in
                let api = APIClient(baseURL: cluster.apiURL)
                let dan = try await api.register(name: "Dan")
                let here = try await Self.open(cluster, replica: 0, dan, name: "dan-0")
                let there = try await Self.open(cluster, replica: 1, dan, name: "dan-1")
                try await api.deleteAccount(dan)
                for socket in [here, there] {
                    guard case .error(let error) = try await socket.expect("error").message else { throw ClusterError("not an error") }
                    #expect(error.code == .forbidden)
                    #expect(try await socket.closeCode(within: .seconds(15)) == 4401)
                }
                await #expect(throws: (any Error).self) {
                    _ = try await SignalClient.connect(cluster.wsURL(0) + "/user", token: dan.accessToken, name: "dan-again")
                }
            }
        }

        /// Opens a user socket and waits for `user-ready`.
        static func open(_ cluster: Cluster, replica: Int, _ account: APIClient.Account, name: String) async throws -> SignalClient {
            let socket = try await SignalClient.connect(cluster.wsURL(replica) + "/user", token: account.accessToken, name: name)
            try await socket.expect("user-ready")
            return socket
        }

        /// ``open(_:replica:_:name:)``, tried again while the server has not yet seen a closed socket go.
        static func openEventually(
            _ cluster: Cluster, replica: Int, _ account: APIClient.Account, name: String
        ) async throws -> SignalClient {
            for _ in 0..<100 {
                if let socket = try? await Self.open(cluster, replica: replica, account, name: name) { return socket }
                try await Task.sleep(for: .milliseconds(100))
            }
            throw ClusterError("\(name): still refused after 10 s")
        }
    }
}
