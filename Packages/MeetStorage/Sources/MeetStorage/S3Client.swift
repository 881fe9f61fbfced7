public import Foundation
public import NIOCore
import NIOHTTP1
public import NIOPosix

/// Where an S3-compatible store is and how to sign for it
/// (`MEET_RECORDING_S3_*`, docs/configuration.md). Path-style addressing
/// (`{endpoint}/{bucket}/{key}`): it works with AWS, MinIO, Ceph and moto
/// alike, with no wildcard DNS.
public struct S3Configuration: Sendable, Equatable {
    /// `http://host:port` or `https://host[:port]`.
    public var endpoint: String
    public var bucket: String
    public var region: String
    public var accessKeyID: String
    public var secretAccessKey: String
    /// Files larger than this go up as a multipart upload in parts of this
    /// size (S3's minimum part is 5 MiB); it is also what one request holds in memory.
    public var partSize: Int
    /// A connection silent for this long fails the request.
    public var timeout: Duration

    public init(
        endpoint: String, bucket: String, region: String = "us-east-1", accessKeyID: String, secretAccessKey: String,
        partSize: Int = 8 << 20, timeout: Duration = .seconds(30)
    ) {
        self.endpoint = endpoint
        self.bucket = bucket
        self.region = region
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.partSize = max(5 << 20, partSize)
        self.timeout = timeout
    }
}

/// A failed storage call, by what the caller does about it.
public enum StorageError: Error, Equatable, Sendable {
    /// No such object (or file).
    case notFound
    /// The store could not be reached or answered 5xx: try again later.
    case unavailable(String)
    /// The store refused the request (4xx other than 404): retrying will not help.
    case rejected(status: Int, String)
    /// A key or path that would leave the store's root.
    case badKey(String)
}

/// The S3 calls recordings need, SigV4-signed (``SigV4Signer``) over
/// ``HTTPExchange``: put (multipart above ``S3Configuration/partSize``),
/// get a byte range, head, delete, and create the bucket (development and tests).
public struct S3Client: Sendable {
    public let configuration: S3Configuration
    let signer: SigV4Signer
    let exchange: HTTPExchange
    let endpoint: S3Endpoint

    public init(configuration: S3Configuration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) throws {
        guard let endpoint = S3Endpoint(configuration.endpoint) else {
            throw StorageError.badKey("S3 endpoint '\(configuration.endpoint)' is not an http(s)://host[:port] URL")
        }
        self.configuration = configuration
        self.endpoint = endpoint
        self.signer = SigV4Signer(
            accessKeyID: configuration.accessKeyID, secretAccessKey: configuration.secretAccessKey, region: configuration.region)
        self.exchange = HTTPExchange(group: group, timeout: configuration.timeout, maxBody: configuration.partSize + (1 << 20))
    }

    /// The object's size, or nil when there is none.
    public func size(key: String) async throws -> Int64? {
        do {
            let response = try await self.call(.HEAD, key: key)
            return response.headers.first(name: "content-length").flatMap { Int64($0) }
        } catch StorageError.notFound {
            return nil
        }
    }

    /// The bytes `range` (inclusive) of the object, or all of it; at most
    /// ``S3Configuration/partSize`` bytes are fetched per call, so ask for large objects in pieces.
    public func read(key: String, range: ClosedRange<Int64>? = nil) async throws -> Data {
        var headers: [(String, String)] = []
        if let range { headers.append(("range", "bytes=\(range.lowerBound)-\(range.upperBound)")) }
        return try await self.call(.GET, key: key, headers: headers).body
    }

    /// A presigned GET of `key`: a URL on `endpoint` (the S3 API as the
    /// caller reaches it; the client's own endpoint when nil)
    /// that fetches the object, any `Range` of it included, without
    /// credentials for `expires` seconds from `date` (1 – 604 800).
    /// `responseHeaders` (`response-content-type`,
    /// `response-content-disposition`, `response-cache-control`) are signed
    /// in, and S3 answers with those headers.
    public func presignedGET(
        key: String, expires: Int, endpoint: S3Endpoint? = nil, responseHeaders: [(String, String)] = [], date: Date = Date()
    ) throws -> String {
        try Self.checkKey(key)
        let target = endpoint ?? self.endpoint
        let path = SigV4Signer.encodePath("/\(configuration.bucket)/\(key)")
        let query = self.signer.presign(
            SigV4Signer.Request(method: "GET", path: path, query: responseHeaders, headers: [("host", target.authority)]),
            expires: expires, date: date)
        return "\(target.origin)\(path)?\(SigV4Signer.queryString(query))"
    }

    public func delete(key: String) async throws {
        do {
            _ = try await self.call(.DELETE, key: key)
        } catch StorageError.notFound {
            // Already gone: what a retried delete wants.
        }
    }

    /// Creates the bucket; one that exists already (and is ours) is fine.
    public func createBucket() async throws {
        do {
            _ = try await self.call(.PUT, key: nil)
        } catch StorageError.rejected(409, _) {
            // BucketAlreadyOwnedByYou.
        }
    }

    /// Puts one object from memory (at most a part's size: larger ones go through ``upload(key:file:contentType:)``).
    public func put(key: String, data: Data, contentType: String) async throws {
        _ = try await self.call(.PUT, key: key, headers: [("content-type", contentType)], body: data)
    }

    /// Puts a local file: one PUT up to ``S3Configuration/partSize``, a
    /// multipart upload above it (one part in memory at a time; the upload
    /// is aborted when a part fails, so no half object is left billed).
    public func upload(key: String, file path: String, contentType: String) async throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw StorageError.notFound }
        defer { try? handle.close() }
        let partSize = self.configuration.partSize
        _ = try await self.upload(key: key, contentType: contentType) { try Self.readChunk(handle, partSize) }
    }

    /// Puts one object from parts of ``S3Configuration/partSize`` bytes that
    /// `nextPart` hands out in order (a shorter or empty one ends it): a
    /// single PUT when the first part is short, a multipart upload otherwise,
    /// aborted when a part, or `nextPart` itself, fails. Returns the bytes put.
    /// The one upload path of local files (recordings) and streamed bodies (attachments).
    func upload(key: String, contentType: String, nextPart: () async throws -> Data) async throws -> Int64 {
        let partSize = self.configuration.partSize
        let first = try await nextPart()
        if first.count < partSize {
            try await self.put(key: key, data: first, contentType: contentType)
            return Int64(first.count)
        }
        let created = try await self.call(.POST, key: key, query: [("uploads", "")], headers: [("content-type", contentType)])
        guard let uploadID = Self.xmlValue("UploadId", in: created.body) else {
            throw StorageError.unavailable("CreateMultipartUpload answered no UploadId")
        }
        do {
            var parts: [(Int, String)] = []
            var chunk = first
            var total: Int64 = 0
            while !chunk.isEmpty {
                let number = parts.count + 1
                let response = try await self.call(
                    .PUT, key: key, query: [("partNumber", "\(number)"), ("uploadId", uploadID)], body: chunk)
                parts.append((number, response.headers.first(name: "etag") ?? ""))
                total += Int64(chunk.count)
                // A short part is the last one.
                chunk = chunk.count < partSize ? Data() : try await nextPart()
            }
            let xml = "<CompleteMultipartUpload>"
                + parts.map { "<Part><PartNumber>\($0.0)</PartNumber><ETag>\($0.1)</ETag></Part>" }.joined()
                + "</CompleteMultipartUpload>"
            let completed = try await self.call(.POST, key: key, query: [("uploadId", uploadID)], body: Data(xml.utf8))
            // S3 may answer 200 with an error document when completing fails late.
            if let code = Self.xmlValue("Code", in: completed.body) {
                throw StorageError.unavailable("CompleteMultipartUpload: \(code)")
            }
            return total
        } catch {
            _ = try? await self.call(.DELETE, key: key, query: [("uploadId", uploadID)])
            throw error
        }
    }

    // MARK: -

    private func call(
        _ method: HTTPMethod, key: String?, query: [(String, String)] = [], headers: [(String, String)] = [], body: Data = Data()
    ) async throws -> HTTPExchange.Response {
        if let key { try Self.checkKey(key) }
        let path = SigV4Signer.encodePath("/\(configuration.bucket)" + (key.map { "/\($0)" } ?? ""))
        let signed = self.signer.sign(
            SigV4Signer.Request(method: method.rawValue, path: path, query: query, headers: [("host", endpoint.authority)] + headers),
            payloadHash: SigV4Signer.payloadHash(body), date: Date())
        let queryString = SigV4Signer.queryString(query)
        let target = queryString.isEmpty ? path : "\(path)?\(queryString)"
        let response = try await self.exchange.send(
            scheme: endpoint.scheme, host: endpoint.host, port: endpoint.port, method: method, target: target, headers: signed, body: body)
        switch response.status {
        case 200..<300: return response
        case 404: throw StorageError.notFound
        case 400..<500 where response.status != 408 && response.status != 429:
            throw StorageError.rejected(status: response.status, Self.xmlValue("Message", in: response.body) ?? "HTTP \(response.status)")
        default:
            throw StorageError.unavailable("\(method) \(path): HTTP \(response.status)")
        }
    }

    /// Keys are ours (`{meeting}/{recording}/{file}`), but a `..` segment or a
    /// leading `/` is refused all the same.
    static func checkKey(_ key: String) throws(StorageError) {
        guard !key.isEmpty, !key.hasPrefix("/"), !key.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }) else {
            throw StorageError.badKey(key)
        }
    }

    static func readChunk(_ handle: FileHandle, _ size: Int) throws(StorageError) -> Data {
        do {
            return try handle.read(upToCount: size) ?? Data()
        } catch {
            throw StorageError.unavailable("read: \(error)")
        }
    }

    /// The text of the first `<name>` element: S3's answers are flat enough for this.
    static func xmlValue(_ name: String, in body: Data) -> String? {
        guard let text = String(data: body, encoding: .utf8), let open = text.range(of: "<\(name)>"),
            let close = text.range(of: "</\(name)>", range: open.upperBound..<text.endIndex)
        else { return nil }
        return String(text[open.upperBound..<close.lowerBound])
    }
}
