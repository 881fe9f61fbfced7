public import Foundation
import Crypto

/// AWS Signature Version 4 (the `AWS4-HMAC-SHA256` header form, and the
/// query form of presigned URLs), by hand:
/// no AWS SDK for Swift is packaged where Meet builds. Sans-I/O: a request's
/// parts in, the headers that sign it out, so it is checked against AWS's
/// published examples (Tests/MeetStorageTests) without a server.
///
/// The canonical request is method, URI, query, headers, signed header
/// names and the payload's SHA-256, newline-separated; what is signed is
/// its hash under a key derived from the secret, the day, the region and
/// the service.
public struct SigV4Signer: Sendable {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var region: String
    public var service: String

    public init(accessKeyID: String, secretAccessKey: String, region: String, service: String = "s3") {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.region = region
        self.service = service
    }

    /// What to sign: `path` is the canonical URI, already percent-encoded
    /// (``SigV4Signer/encodePath(_:)``); `query` unencoded pairs.
    public struct Request: Sendable {
        public var method: String
        public var path: String
        public var query: [(String, String)]
        /// Every header to sign (at least `host`); `x-amz-date` and
        /// `x-amz-content-sha256` are added by ``SigV4Signer/sign(_:payloadHash:date:)``.
        public var headers: [(String, String)]

        public init(method: String, path: String, query: [(String, String)] = [], headers: [(String, String)]) {
            self.method = method
            self.path = path
            self.query = query
            self.headers = headers
        }
    }

    /// The SHA-256 of an empty payload (what a GET carries).
    public static let emptyPayloadHash = hex(SHA256.hash(data: Data()))

    /// The headers to send: the request's, plus `x-amz-date`,
    /// `x-amz-content-sha256` (S3 wants it, and it is signed) and
    /// `Authorization`.
    public func sign(_ request: Request, payloadHash: String, date: Date, contentHashHeader: Bool = true) -> [(String, String)] {
        let amzDate = Self.amzDate(date)
        var headers = request.headers
        headers.append(("x-amz-date", amzDate))
        if contentHashHeader { headers.append(("x-amz-content-sha256", payloadHash)) }
        let signed = Request(method: request.method, path: request.path, query: request.query, headers: headers)
        let canonical = Self.canonicalRequest(signed, payloadHash: payloadHash)
        let scope = self.scope(amzDate)
        let signature = self.signature(canonical, amzDate: amzDate)
        let names = Self.signedHeaderNames(headers)
        headers.append(("Authorization", "AWS4-HMAC-SHA256 Credential=\(accessKeyID)/\(scope), SignedHeaders=\(names), Signature=\(signature)"))
        return headers
    }

    /// The query of a presigned URL (AWS's "Authenticating Requests: Using
    /// Query Parameters"): the request's own pairs, then `X-Amz-Algorithm`,
    /// `-Credential`, `-Date`, `-Expires` (seconds, 1 – 604 800),
    /// `-SignedHeaders` (the request's headers, `host` at least) and
    /// `-Signature`. The payload is `UNSIGNED-PAYLOAD`: whoever holds the URL
    /// may send the request (a GET, with any `Range`) until it expires.
    public func presign(_ request: Request, expires: Int, date: Date) -> [(String, String)] {
        let amzDate = Self.amzDate(date)
        var query = request.query
        query.append(contentsOf: [
            ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"), ("X-Amz-Credential", "\(accessKeyID)/\(self.scope(amzDate))"),
            ("X-Amz-Date", amzDate), ("X-Amz-Expires", String(min(max(expires, 1), Self.maximumPresignedSeconds))),
            ("X-Amz-SignedHeaders", Self.signedHeaderNames(request.headers)),
        ])
        let canonical = Self.canonicalRequest(
            Request(method: request.method, path: request.path, query: query, headers: request.headers), payloadHash: "UNSIGNED-PAYLOAD")
        query.append(("X-Amz-Signature", self.signature(canonical, amzDate: amzDate)))
        return query
    }

    /// The longest a presigned URL may be valid (7 days).
    public static let maximumPresignedSeconds = 604_800

    /// The hex HMAC of the string to sign for `canonical`, under the day's key.
    func signature(_ canonical: String, amzDate: String) -> String {
        let toSign = Self.stringToSign(canonical, amzDate: amzDate, scope: self.scope(amzDate))
        return Self.hex(HMAC<SHA256>.authenticationCode(for: Data(toSign.utf8), using: self.signingKey(day: String(amzDate.prefix(8)))))
    }

    /// `name=value` pairs joined with `&`, each part percent-encoded as SigV4 encodes it.
    public static func queryString(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&")
    }

    /// `{day}/{region}/{service}/aws4_request`.
    func scope(_ amzDate: String) -> String {
        "\(amzDate.prefix(8))/\(region)/\(service)/aws4_request"
    }

    /// HMAC chain: `AWS4{secret}` → day → region → service → `aws4_request`.
    func signingKey(day: String) -> SymmetricKey {
        var key = SymmetricKey(data: Data("AWS4\(secretAccessKey)".utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        return key
    }

    static func canonicalRequest(_ request: Request, payloadHash: String) -> String {
        let encoded: [(String, String)] = request.query.map { pair in (encode(pair.0), encode(pair.1)) }
        let sorted = encoded.sorted { (a: (String, String), b: (String, String)) -> Bool in a.0 == b.0 ? a.1 < b.1 : a.0 < b.0 }
        let query: String = sorted.map { pair in pair.0 + "=" + pair.1 }.joined(separator: "&")
        let headerLines: String = canonicalHeaders(request.headers).map { pair in pair.0 + ":" + pair.1 + "\n" }.joined()
        let parts: [String] = [request.method, request.path, query, headerLines, signedHeaderNames(request.headers), payloadHash]
        return parts.joined(separator: "\n")
    }

    static func stringToSign(_ canonicalRequest: String, amzDate: String, scope: String) -> String {
        "AWS4-HMAC-SHA256\n\(amzDate)\n\(scope)\n\(hex(SHA256.hash(data: Data(canonicalRequest.utf8))))"
    }

    /// Lower-case names, values trimmed with inner runs of spaces folded, sorted by name.
    static func canonicalHeaders(_ headers: [(String, String)]) -> [(String, String)] {
        headers.map { name, value in
            (name.lowercased(), value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " "))
        }.sorted { $0.0 < $1.0 }
    }

    static func signedHeaderNames(_ headers: [(String, String)]) -> String {
        canonicalHeaders(headers).map(\.0).joined(separator: ";")
    }

    /// `yyyyMMdd'T'HHmmss'Z'` in UTC.
    static func amzDate(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ v: Int?) -> String { v.map { $0 < 10 ? "0\($0)" : "\($0)" } ?? "00" }
        return "\(c.year ?? 1970)\(two(c.month))\(two(c.day))T\(two(c.hour))\(two(c.minute))\(two(c.second))Z"
    }

    /// RFC 3986 percent-encoding of everything but the unreserved characters (`A-Z a-z 0-9 - . _ ~`), as SigV4 asks.
    public static func encode(_ value: String) -> String {
        var out = ""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return out
    }

    /// A path with each segment encoded and its `/` kept (S3's canonical URI: encoded once).
    public static func encodePath(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { encode(String($0)) }.joined(separator: "/")
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// The lower-case hex SHA-256 of a payload.
    public static func payloadHash(_ data: some DataProtocol) -> String {
        hex(SHA256.hash(data: data))
    }
}
