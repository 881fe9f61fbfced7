import Foundation

/// `MEET_TURN_URLS`, `MEET_TURN_SECRET`, `MEET_TURN_TTL_SECONDS`: the TURN
/// relay (coturn) that clients behind a strict NAT or a UDP-blocking
/// firewall use to reach the SFU nodes.
///
/// meet-ws mints credentials for each participant with the secret the relay
/// shares (coturn's `use-auth-secret` + `static-auth-secret`), so the relay
/// needs no user database and a leaked credential dies by itself.
public struct TURNConfiguration: Sendable, Equatable {
    /// Enough key for HMAC-SHA1 to be more than a formality.
    public static let minimumSecretBytes = 16

    /// `turn:`, `turns:` or `stun:` URLs, as a browser's `RTCIceServer.urls` takes them.
    public var urls: [String]
    /// The relay's shared secret; empty only when every URL is `stun:`.
    public var secret: String
    /// How long a minted credential is good for. A relay rejects refreshes
    /// after it, which ends a relayed call, so it must outlast any meeting.
    public var credentialLifetime: Duration

    /// No relay: clients reach the nodes directly or not at all.
    public static let disabled = TURNConfiguration(validated: [], secret: "", credentialLifetime: .seconds(86_400))

    public var isEnabled: Bool { !self.urls.isEmpty }

    /// Whether the URLs need credentials (any `turn:`/`turns:`).
    public var needsCredentials: Bool { self.urls.contains { !$0.hasPrefix("stun:") } }

    public init(urls: [String], secret: String, credentialLifetime: Duration = .seconds(86_400)) throws(ConfigurationError) {
        for url in urls {
            guard url.hasPrefix("turn:") || url.hasPrefix("turns:") || url.hasPrefix("stun:"), url.utf8.count > 5,
                !url.contains(where: \.isWhitespace)
            else {
                throw ConfigurationError(
                    variable: "MEET_TURN_URLS",
                    message: "'\(url)' is not a turn:, turns: or stun: URL (e.g. turn:turn.example.com:3478?transport=udp)"
                )
            }
        }
        self.init(validated: urls, secret: secret, credentialLifetime: credentialLifetime)
        if self.needsCredentials, secret.utf8.count < Self.minimumSecretBytes {
            throw ConfigurationError(
                variable: "MEET_TURN_SECRET",
                message: "must be at least \(Self.minimumSecretBytes) bytes when MEET_TURN_URLS names a TURN server"
                    + " (the relay's static-auth-secret), got \(secret.utf8.count)"
            )
        }
    }

    private init(validated urls: [String], secret: String, credentialLifetime: Duration) {
        self.urls = urls
        self.secret = secret
        self.credentialLifetime = credentialLifetime
    }

    /// Reads the variables; unset `MEET_TURN_URLS` means no relay.
    public init(environment: EnvironmentReader) throws(ConfigurationError) {
        let urls = (environment.string("MEET_TURN_URLS") ?? "")
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        try self.init(
            urls: urls, secret: environment.string("MEET_TURN_SECRET") ?? "",
            credentialLifetime: try environment.seconds("MEET_TURN_TTL_SECONDS", default: 86_400, in: 60...604_800)
        )
    }
}
