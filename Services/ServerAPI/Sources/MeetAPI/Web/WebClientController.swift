import Foundation
import Hummingbird
import Logging
import MeetProtocol
import NIOPosix

/// `GET /` and `GET /{code}`: the browser client (`Web/`, see docs/web-client.md).
///
/// `/` and every meeting-code path (`/abc-defg-hij`, the shareable link)
/// answer `index.html`; the page reads the code from its own URL. Any other
/// single segment is looked up as a file of the web directory
/// (`/app.js`, `/style.css`) under the rules of ``WebAsset``. Nothing else
/// is touched, so `/v1/*`, `/healthz`, `/readyz` and `/metrics` (constant
/// segments, which the router prefers over `{code}`) are unaffected.
///
/// Files are revalidated on every use (`Cache-Control: no-cache` with a weak
/// `ETag`): the client has no build step and so no content-hashed names, and
/// a stale module next to a fresh page would break it after an upgrade.
/// A missing directory or file is a JSON 404 like every other unknown route.
struct WebClientController: Sendable {
    let files: LocalFileSystem
    /// The page's Content-Security-Policy (``contentSecurityPolicy(mediaOrigins:)``).
    let policy: String

    /// The document policy of the page: only its own scripts and styles, API
    /// calls to its origin, signaling to any `ws:`/`wss:` host (meet-ws may sit
    /// on another host or port), and it may not be framed. Media from its own
    /// origin, and from `mediaOrigins`: the S3 endpoint that presigned
    /// playback redirects to (`MEET_RECORDING_S3_PUBLIC_ENDPOINT`), whose
    /// redirect `media-src 'self'` would refuse.
    static func contentSecurityPolicy(mediaOrigins: [String] = []) -> String {
        [
            "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: blob:",
            (["media-src 'self' blob: mediastream:"] + mediaOrigins).joined(separator: " "), "connect-src 'self' ws: wss:",
            "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'", "object-src 'none'",
        ].joined(separator: "; ")
    }


    /// Not among swift-http-types' predefined names.
    static let referrerPolicy = HTTPFields.Element.Name("Referrer-Policy")!

    init(directory: String, mediaOrigins: [String] = []) {
        self.policy = Self.contentSecurityPolicy(mediaOrigins: mediaOrigins)
        // LocalFileSystem announces its folder at info level on every init;
        // buildApplication logs the directory once instead.
        var quiet = Logger(label: "meet.api.web")
        quiet.logLevel = .error
        self.files = LocalFileSystem(rootFolder: directory, threadPool: .singleton, logger: quiet)
    }

    func addRoutes(to router: Router<APIRequestContext>) {
        router.get("/") { request, context in
            try await self.serve(.index, request: request, context: context)
        }
        router.get("{code}") { request, context in
            let segment = context.parameters.get("code") ?? ""
            if MeetingCode.isValid(segment) {
                return try await self.serve(.index, request: request, context: context)
            }
            guard let asset = WebAsset(name: segment) else { throw APIError(.notFound, "no such route") }
            return try await self.serve(asset, request: request, context: context)
        }
        // An invitation email's link (`…/invitations/{id}?secret=`): the page
        // answers it (docs/web-client.md, Scheduling); two segments, so it
        // never meets a meeting code.
        router.get("invitations/{invitationId}") { request, context in
            guard UUID(uuidString: context.parameters.get("invitationId") ?? "") != nil else {
                throw APIError(.notFound, "no such invitation link")
            }
            return try await self.serve(.index, request: request, context: context)
        }
    }

    /// The file with validators and cache headers, or 304 when the client's copy is current.
    func serve(_ asset: WebAsset, request: Request, context: APIRequestContext) async throws -> Response {
        guard let id = self.files.getFileIdentifier(asset.name),
            let attributes = try await self.files.getAttributes(id: id), !attributes.isFolder
        else {
            throw asset == .index
                ? APIError(.notFound, "the web client is not installed here (see MEET_WEB_DIR)")
                : APIError(.notFound, "no such file")
        }
        let modified = Int64((attributes.modificationDate.timeIntervalSince1970 * 1000).rounded(.down))
        let eTag = "W/\"\(attributes.size)-\(modified)\""
        var headers = Self.headers(for: asset, policy: self.policy)
        headers[.eTag] = eTag
        if Self.matches(request.headers[values: .ifNoneMatch], eTag: eTag) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentLength] = String(attributes.size)
        let body = try await self.files.loadFile(id: id, context: context)
        return Response(status: .ok, headers: headers, body: body)
    }

    static func headers(for asset: WebAsset, policy: String = contentSecurityPolicy()) -> HTTPFields {
        var headers = HTTPFields()
        headers[.contentType] = asset.contentType
        headers[.cacheControl] = "no-cache"
        headers[.xContentTypeOptions] = "nosniff"
        if asset.isDocument {
            headers[.contentSecurityPolicy] = policy
            headers[Self.referrerPolicy] = "no-referrer"
        }
        return headers
    }

    /// RFC 9110 §13.1.2: weak comparison; `*` matches any current representation.
    static func matches(_ values: [String], eTag: String) -> Bool {
        let strip = { (tag: Substring) -> Substring in tag.hasPrefix("W/") ? tag.dropFirst(2) : tag }
        for value in values {
            for candidate in value.split(separator: ",") {
                let tag = candidate.trimmingCharacters(in: .whitespaces)[...]
                if tag == "*" || strip(tag) == strip(eTag[...]) { return true }
            }
        }
        return false
    }

    /// Says at start-up where the client is served from, or that it is not.
    static func logLocation(_ directory: String, logger: Logger) {
        let index = URL(fileURLWithPath: directory).appendingPathComponent(WebAsset.index.name).path
        if FileManager.default.fileExists(atPath: index) {
            logger.info("serving the web client", metadata: ["web.dir": "\(directory)"])
        } else {
            logger.warning(
                "no web client: index.html not found, / answers 404 (set MEET_WEB_DIR)", metadata: ["web.dir": "\(directory)"])
        }
    }
}
