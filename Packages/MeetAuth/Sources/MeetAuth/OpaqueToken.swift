import Crypto
import Foundation

/// Opaque random tokens (refresh tokens) and their storage form.
///
/// The token is 32 random bytes, base64url without padding (43 characters).
/// Only its SHA-256 is stored, so a leaked database does not leak usable
/// tokens; with 256 bits of entropy a plain hash is enough (no salt or slow
/// hash needed, unlike passwords).
public enum OpaqueToken {
    /// A fresh token from the system's CSPRNG.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The hex SHA-256 of `token`, as stored.
    public static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Whether `token` has the shape ``generate()`` produces; anything else
    /// is refused without a database lookup.
    public static func isWellFormed(_ token: String) -> Bool {
        token.utf8.count == 43 && token.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2D || byte == 0x5F
        }
    }
}
