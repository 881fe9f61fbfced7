import Foundation
import MeetAuth
import MeetCore
import MeetProtocol
import Testing

@Suite("TURN relay settings and credentials")
struct TURNCredentialsTests {
    static let secret = "turn-shared-secret-for-tests"

    @Test("unset MEET_TURN_URLS means no relay and no servers in snapshots")
    func disabledByDefault() throws {
        let configuration = try TURNConfiguration(environment: EnvironmentReader([:]))
        #expect(!configuration.isEnabled)
        #expect(TURNCredentials(configuration: configuration).iceServers(for: UUID()).isEmpty)
    }

    @Test("the list is split on commas, trimmed, and the lifetime read")
    func parsesTheList() throws {
        let configuration = try TURNConfiguration(
            environment: EnvironmentReader([
                "MEET_TURN_URLS": " turn:relay.example.com:3478?transport=udp , turns:relay.example.com:443?transport=tcp,,",
                "MEET_TURN_SECRET": Self.secret, "MEET_TURN_TTL_SECONDS": "3600",
            ]))
        #expect(configuration.urls == ["turn:relay.example.com:3478?transport=udp", "turns:relay.example.com:443?transport=tcp"])
        #expect(configuration.credentialLifetime == .seconds(3600))
    }

    @Test(
        "bad settings name the variable",
        arguments: [
            (["MEET_TURN_URLS": "http://relay.example.com"], "MEET_TURN_URLS"),
            (["MEET_TURN_URLS": "turn:"], "MEET_TURN_URLS"),
            (["MEET_TURN_URLS": "turn:relay.example.com:3478"], "MEET_TURN_SECRET"),
            (["MEET_TURN_URLS": "turn:relay.example.com:3478", "MEET_TURN_SECRET": "short"], "MEET_TURN_SECRET"),
            (["MEET_TURN_URLS": "turn:a:1", "MEET_TURN_SECRET": secret, "MEET_TURN_TTL_SECONDS": "5"], "MEET_TURN_TTL_SECONDS"),
        ])
    func refusesBadSettings(environment: [String: String], variable: String) {
        do {
            _ = try TURNConfiguration(environment: EnvironmentReader(environment))
            Issue.record("accepted \(environment)")
        } catch {
            #expect(error.variable == variable)
        }
    }

    @Test("a STUN-only list needs no secret and carries no credentials")
    func stunOnly() throws {
        let configuration = try TURNConfiguration(urls: ["stun:stun.example.com:3478"], secret: "")
        #expect(TURNCredentials(configuration: configuration).iceServers(for: UUID()) == [ICEServer(urls: ["stun:stun.example.com:3478"])])
    }

    /// The expected password was computed outside Swift, the way coturn checks
    /// it: `base64(hmac_sha1(secret, "1700086400:0f8e…"))` with Python's hmac.
    @Test("credentials are {expiry}:{participant} and base64(HMAC-SHA1(secret, username))")
    func knownAnswer() throws {
        let configuration = try TURNConfiguration(
            urls: ["stun:relay.example.com:3478", "turn:relay.example.com:3478?transport=udp"], secret: Self.secret,
            credentialLifetime: .seconds(86_400))
        let participant = try #require(UUID(uuidString: "0F8E5A4C-3B2D-4E1F-9A6B-7C8D9E0F1A2B"))
        let servers = TURNCredentials(configuration: configuration)
            .iceServers(for: participant, now: Date(timeIntervalSince1970: 1_700_000_000))
        #expect(
            servers == [
                ICEServer(urls: ["stun:relay.example.com:3478"]),
                ICEServer(
                    urls: ["turn:relay.example.com:3478?transport=udp"],
                    username: "1700086400:0f8e5a4c-3b2d-4e1f-9a6b-7c8d9e0f1a2b", credential: "xHysi6Slrp1V7lVORAudDD3+AaY="),
            ])
    }
}
