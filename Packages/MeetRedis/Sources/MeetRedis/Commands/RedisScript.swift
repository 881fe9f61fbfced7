import Crypto

/// A Lua script with its SHA1, so it can be run with `EVALSHA` (the script
/// body is sent only when the server does not have it cached).
public struct RedisScript: Sendable, Hashable {
    public let source: String
    /// Lower-case hex SHA1 of `source`, as Redis names cached scripts.
    public let sha1: String

    public init(_ source: String) {
        self.source = source
        let digest = Insecure.SHA1.hash(data: Array(source.utf8))
        self.sha1 = digest.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
