/// Short-term ICE credentials: `a=ice-ufrag` and `a=ice-pwd` (RFC 8445
/// §5.3, RFC 8839 §5.4). STUN checks carry USERNAME `remote:local` from the
/// sender's point of view and are signed with the receiver's password.
public struct ICECredentials: Hashable, Sendable {
    public var ufrag: String
    public var password: String

    public init(ufrag: String, password: String) {
        self.ufrag = ufrag
        self.password = password
    }

    /// ice-char (RFC 8839 §5.4): ALPHA / DIGIT / "+" / "/".
    static let iceChars = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")

    /// Fresh random credentials: a ufrag of 8 ice-chars (≥ 24 bits of
    /// randomness, RFC 8445 §5.3) and a password of 24 (≥ 128 bits).
    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> ICECredentials {
        func text(_ count: Int) -> String {
            String((0..<count).map { _ in iceChars.randomElement(using: &generator)! })
        }
        return ICECredentials(ufrag: text(8), password: text(24))
    }

    public static func random() -> ICECredentials {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }
}

/// The ICE connection state reported by both agents (a subset of
/// RTCIceConnectionState, W3C webrtc-pc §5.6.4).
public enum ICEConnectionState: Sendable, Equatable {
    /// No authenticated check yet.
    case new
    /// The controlling agent has sent checks and awaits an answer.
    case checking
    /// A validated, selected address exists and consent is fresh.
    case connected
    /// Consent is stale (no authenticated check for a while); may recover.
    case disconnected
    /// Consent expired (RFC 7675 §5.1) or every check failed. Terminal.
    case failed
    /// Closed by the owner. Terminal.
    case closed

    public var isTerminal: Bool { self == .failed || self == .closed }
}

/// Why an agent ignored a STUN message; the I/O layer counts these.
public enum ICEDropReason: Sendable, Equatable {
    /// Not a Binding message, or one the agent does not expect.
    case unexpectedMessage
    /// USERNAME missing or not `localUfrag:remoteUfrag`.
    case badUsername
    /// MESSAGE-INTEGRITY missing or not valid under the expected password.
    case badIntegrity
    /// A response to no outstanding transaction of ours.
    case unknownTransaction
    /// Both sides claim the same role (RFC 8445 §7.3.1.1).
    case roleConflict
    /// Unknown comprehension-required attributes (RFC 8489 §6.3.1).
    case unknownAttributes
    /// The agent is failed or closed.
    case terminal
}
