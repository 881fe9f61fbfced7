import Crypto
public import Foundation
public import MeetCore
public import MeetProtocol

/// Mints short-lived TURN credentials in the form coturn checks with
/// `use-auth-secret` (the "TURN REST API", draft-uberti-behave-turn-rest-00
/// §2.2): the username is `{expiry}:{participant}` with `expiry` in unix
/// seconds, and the password is base64(HMAC-SHA1(secret, username)). The
/// relay recomputes the password from the username and refuses it once the
/// expiry has passed, so nothing is stored and nothing needs revoking.
public struct TURNCredentials: Sendable {
    public let configuration: TURNConfiguration
    private let key: SymmetricKey

    public init(configuration: TURNConfiguration) {
        self.configuration = configuration
        self.key = SymmetricKey(data: Data(configuration.secret.utf8))
    }

    /// The servers to hand `participant`, good until `now` plus the
    /// configured lifetime; empty when no relay is configured.
    public func iceServers(for participant: UUID, now: Date = Date()) -> [ICEServer] {
        guard self.configuration.isEnabled else { return [] }
        let stun = self.configuration.urls.filter { $0.hasPrefix("stun:") }
        let turn = self.configuration.urls.filter { !$0.hasPrefix("stun:") }
        var servers: [ICEServer] = []
        if !stun.isEmpty { servers.append(ICEServer(urls: stun)) }
        if !turn.isEmpty {
            let expiry = Int64(now.timeIntervalSince1970) + self.configuration.credentialLifetime.components.seconds
            let username = "\(expiry):\(participant.uuidString.lowercased())"
            servers.append(ICEServer(urls: turn, username: username, credential: self.password(for: username)))
        }
        return servers
    }

    /// base64(HMAC-SHA1(secret, username)): what the relay expects as the password.
    public func password(for username: String) -> String {
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Data(username.utf8), using: self.key)
        return Data(mac).base64EncodedString()
    }
}
