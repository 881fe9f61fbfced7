/// What meet-api may serve from the web client's directory, and how.
///
/// The web client (`Web/`) is a flat folder of static files with no build
/// step. Only a single path segment is ever looked up, and only names made
/// of ASCII letters, digits, `-`, `_` and `.` that do not start with a dot
/// and end in a known extension: `..`, `/`, `\`, percent-encoded separators,
/// hidden files and unknown file types can never name a file, whatever the
/// router decodes. Everything else is a 404.
struct WebAsset: Equatable, Sendable {
    /// The file name inside the web directory.
    let name: String
    /// The `Content-Type` to answer with.
    let contentType: String

    /// The types the client uses; anything else is not served.
    static let contentTypes: [String: String] = [
        "html": "text/html; charset=utf-8",
        "js": "text/javascript; charset=utf-8",
        "mjs": "text/javascript; charset=utf-8",
        "css": "text/css; charset=utf-8",
        "svg": "image/svg+xml",
        "png": "image/png",
        "ico": "image/x-icon",
        "json": "application/json; charset=utf-8",
        "webmanifest": "application/manifest+json",
        "txt": "text/plain; charset=utf-8",
    ]

    /// The page every client route opens.
    static let index = WebAsset(name: "index.html", contentType: "text/html; charset=utf-8")

    /// Longest file name accepted.
    static let maxNameLength = 128

    private init(name: String, contentType: String) {
        self.name = name
        self.contentType = contentType
    }

    /// The asset `name` stands for, or `nil` when the name is not one meet-api
    /// would ever serve (see the type's rules).
    init?(name: String) {
        guard !name.isEmpty, name.utf8.count <= Self.maxNameLength, name.utf8.first != UInt8(ascii: ".") else {
            return nil
        }
        let allowed = name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
        }
        guard allowed, !name.contains(".."), let dot = name.lastIndex(of: ".") else { return nil }
        let fileExtension = name[name.index(after: dot)...].lowercased()
        guard let contentType = Self.contentTypes[fileExtension] else { return nil }
        self.init(name: name, contentType: contentType)
    }

    /// Whether this is an HTML page (it gets the security headers of a document).
    var isDocument: Bool { self.contentType.hasPrefix("text/html") }
}
