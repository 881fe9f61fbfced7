public import Foundation

/// An S3 API base URL, parsed once: `http(s)://host[:port]` and nothing
/// after the authority (requests are path-style, the bucket first; a path,
/// query, fragment or user info is refused rather than silently dropped).
/// The host is lower-cased (browsers send it so in the `Host` header, and
/// a presigned URL signs it) and an IPv6 literal is bracketed in URLs.
public struct S3Endpoint: Sendable, Equatable {
    public let scheme: String
    /// To connect to: lower case, an IPv6 literal without brackets.
    public let host: String
    public let port: Int

    /// nil unless `url` is `http(s)://host[:port]`, with at most a `/` after it.
    public init?(_ url: String) {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), scheme == "http" || scheme == "https",
            var host = parsed.host, parsed.user == nil, parsed.password == nil, parsed.query == nil, parsed.fragment == nil,
            parsed.path.isEmpty || parsed.path == "/"
        else {
            return nil
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self.scheme = scheme
        self.host = host.lowercased()
        self.port = parsed.port ?? (scheme == "https" ? 443 : 80)
    }

    /// `host[:port]` as the `Host` header and a URL carry it: an IPv6
    /// literal in brackets, the scheme's own port left out.
    public var authority: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return (port == 80 && scheme == "http") || (port == 443 && scheme == "https") ? name : "\(name):\(port)"
    }

    /// `scheme://authority`: the origin of what it serves (a CSP source).
    public var origin: String { "\(scheme)://\(authority)" }
}
