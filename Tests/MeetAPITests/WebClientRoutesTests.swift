import Foundation
import Hummingbird
import HummingbirdTesting
import MeetProtocol
import MeetStorage
import Testing
@testable import MeetAPI

/// meet-api serves the browser client: `/` and `/{code}` open index.html,
/// the client's own files come with the right types, and nothing outside
/// the web directory (or inside it but not a client file) is ever served.
@Suite("Web client static files")
struct WebClientRoutesTests {
    static let indexHTML = "<!doctype html><title>Meet test</title><script type=\"module\" src=\"/app.js\"></script>"
    static let appJS = "export const answer = 42;\n"
    static let secret = "top secret, outside the web directory"

    /// A web directory in a fresh temporary folder, with a secret file next to it.
    static func makeWebDirectory() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("meet-web-\(UUID().uuidString)")
        let web = root.appendingPathComponent("Web")
        try FileManager.default.createDirectory(at: web, withIntermediateDirectories: true)
        try Self.indexHTML.write(to: web.appendingPathComponent("index.html"), atomically: true, encoding: .utf8)
        try Self.appJS.write(to: web.appendingPathComponent("app.js"), atomically: true, encoding: .utf8)
        try "body { color: red }".write(to: web.appendingPathComponent("style.css"), atomically: true, encoding: .utf8)
        try "hidden".write(to: web.appendingPathComponent(".hidden.js"), atomically: true, encoding: .utf8)
        try "notes".write(to: web.appendingPathComponent("notes.md"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: web.appendingPathComponent("sub.js"), withIntermediateDirectories: true)
        try Self.secret.write(to: root.appendingPathComponent("secret.txt"), atomically: true, encoding: .utf8)
        return web
    }

    @Test("/ and a meeting link /{code} answer index.html with document headers")
    func index() async throws {
        let web = try Self.makeWebDirectory()
        defer { try? FileManager.default.removeItem(at: web.deletingLastPathComponent()) }
        try await TestApp.run({ $0.webDirectory = web.path }) { api in
            for path in ["/", "/abc-defg-hij", "/invitations/\(UUID().uuidString.lowercased())"] {
                let response = try await api.send(.get, path)
                #expect(response.status == .ok, "\(path): \(response.text)")
                #expect(response.text == Self.indexHTML, "\(path)")
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                #expect(response.headers[.cacheControl] == "no-cache")
                #expect(response.headers[.xContentTypeOptions] == "nosniff")
                #expect(response.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
                #expect(response.headers[.eTag]?.hasPrefix("W/\"") == true)
            }
        }
    }

    @Test("the page's media-src allows the S3 endpoint that presigned playback redirects to, and nothing more without it")
    func mediaSources() async throws {
        let web = try Self.makeWebDirectory()
        defer { try? FileManager.default.removeItem(at: web.deletingLastPathComponent()) }
        try await TestApp.run({ $0.webDirectory = web.path }) { api in
            let policy = try #require(try await api.send(.get, "/").headers[.contentSecurityPolicy])
            #expect(policy.contains("media-src 'self' blob: mediastream:;"), "\(policy)")
        }
        let s3 = S3Configuration(endpoint: "http://minio:9000", bucket: "b", accessKeyID: "k", secretAccessKey: "s")
        try await TestApp.run({
            $0.webDirectory = web.path
            $0.recordings.s3 = s3
            $0.recordings.s3PublicEndpoint = S3Endpoint("https://files.example.com:8443/")
        }) { api in
            let policy = try #require(try await api.send(.get, "/abc-defg-hij").headers[.contentSecurityPolicy])
            #expect(policy.contains("media-src 'self' blob: mediastream: https://files.example.com:8443;"), "\(policy)")
        }
    }

    @Test("client files come with their content type, and a matching ETag gets 304")
    func assets() async throws {
        let web = try Self.makeWebDirectory()
        defer { try? FileManager.default.removeItem(at: web.deletingLastPathComponent()) }
        try await TestApp.run({ $0.webDirectory = web.path }) { api in
            let js = try await api.send(.get, "/app.js")
            #expect(js.status == .ok)
            #expect(js.text == Self.appJS)
            #expect(js.headers[.contentType] == "text/javascript; charset=utf-8")
            #expect(js.headers[.contentLength] == String(Self.appJS.utf8.count))
            #expect(js.headers[.cacheControl] == "no-cache")
            #expect(js.headers[.contentSecurityPolicy] == nil)
            let css = try await api.send(.get, "/style.css")
            #expect(css.headers[.contentType] == "text/css; charset=utf-8")

            let eTag = try #require(js.headers[.eTag])
            let again = try await api.send(.get, "/app.js", headers: [("If-None-Match", eTag)])
            #expect(again.status == .notModified)
            #expect(again.body.readableBytes == 0)
            let other = try await api.send(.get, "/app.js", headers: [("If-None-Match", "W/\"1-1\"")])
            #expect(other.status == .ok)
        }
    }

    @Test("traversal, hidden files, folders and unknown types are JSON 404s that leak nothing")
    func refused() async throws {
        let web = try Self.makeWebDirectory()
        defer { try? FileManager.default.removeItem(at: web.deletingLastPathComponent()) }
        try await TestApp.run({ $0.webDirectory = web.path }) { api in
            let attempts = [
                "/../secret.txt", "/%2E%2E/secret.txt", "/..%2Fsecret.txt", "/%2E%2E%2Fsecret.txt", "/..%5Csecret.txt",
                "/.hidden.js", "/notes.md", "/sub.js", "/missing.js", "/index.html%00.js", "/nope",
                "/" + String(repeating: "a", count: 200) + ".js",
            ]
            for path in attempts {
                let response = try await api.send(.get, path)
                response.expectError(.notFound, .notFound)
                #expect(!response.text.contains(Self.secret), "\(path) leaked the secret")
                #expect(!response.text.contains("hidden"), "\(path) served a hidden file")
            }
            // The API is untouched by the catch-all segment.
            #expect(try await api.send(.get, "/healthz").status == .ok)
            (try await api.send(.get, "/v1")).expectError(.notFound, .notFound)
        }
    }

    @Test("without a web directory meet-api still serves the API, and / is a JSON 404")
    func missingDirectory() async throws {
        try await TestApp.run({ $0.webDirectory = "/nonexistent/meet-web-\(UUID().uuidString)" }) { api in
            (try await api.send(.get, "/")).expectError(.notFound, .notFound)
            (try await api.send(.get, "/abc-defg-hij")).expectError(.notFound, .notFound)
            (try await api.send(.get, "/app.js")).expectError(.notFound, .notFound)
            #expect(try await api.send(.get, "/healthz").status == .ok)
        }
    }

    @Test("the repository's Web/ is a servable client: its page loads its module")
    func repositoryClient() async throws {
        let web = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Web")
        try await TestApp.run({ $0.webDirectory = web.path }) { api in
            let page = try await api.send(.get, "/")
            #expect(page.status == .ok)
            #expect(page.text.contains("<script type=\"module\" src=\"/app.js\">"))
            let app = try await api.send(.get, "/app.js")
            #expect(app.status == .ok)
            #expect(app.headers[.contentType] == "text/javascript; charset=utf-8")
        }
    }

    @Test("file names: only flat client files of known types")
    func names() {
        #expect(WebAsset(name: "app.js")?.contentType == "text/javascript; charset=utf-8")
        #expect(WebAsset(name: "style.css")?.contentType == "text/css; charset=utf-8")
        #expect(WebAsset(name: "icon.SVG")?.contentType == "image/svg+xml")
        for bad in ["", ".", "..", ".env", "../x.js", "a/b.js", "a\\b.js", "x..js", "noext", "x.md", "%2e%2e.js", "a b.js", "é.js"] {
            #expect(WebAsset(name: bad) == nil, "\(bad)")
        }
    }
}
