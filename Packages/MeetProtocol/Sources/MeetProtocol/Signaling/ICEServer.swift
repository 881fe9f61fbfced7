/// A STUN or TURN server a client may use to reach the SFU nodes, shaped
/// like WebRTC's `RTCIceServer` so a browser can pass the list straight to
/// `new RTCPeerConnection({iceServers})`.
///
/// meet-ws puts these in every `joined`/`admitted` snapshot when the
/// deployment runs a TURN relay (`MEET_TURN_URLS`): clients behind a strict
/// NAT or a UDP-blocking firewall then reach a node through the relay. The
/// credentials are short-lived (TURN REST API, draft-uberti-behave-turn-rest:
/// `username` is `{expiry unix seconds}:{participant id}`, `credential` the
/// base64 HMAC-SHA1 of the username under the secret the relay shares).
public struct ICEServer: Codable, Sendable, Equatable {
    /// `turn:host:port?transport=udp`, `turns:host:443?transport=tcp`, `stun:host:port`.
    public var urls: [String]
    /// Absent for STUN servers.
    public var username: String?
    /// Absent for STUN servers.
    public var credential: String?

    public init(urls: [String], username: String? = nil, credential: String? = nil) {
        self.urls = urls
        self.username = username
        self.credential = credential
    }
}
