import Foundation
import Hummingbird

/// A JSON body with a status: what every API route returns.
struct JSONResponse<Body: Encodable & Sendable>: ResponseGenerator, Sendable {
    let status: HTTPResponse.Status
    let body: Body

    init(status: HTTPResponse.Status = .ok, _ body: Body) {
        self.status = status
        self.body = body
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let data = try Self.encoder.encode(self.body)
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.contentLength] = String(data.count)
        headers[.cacheControl] = "no-store"
        return Response(status: self.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Dates as ISO 8601 (UTC), `/` unescaped (URLs stay readable), keys sorted (stable bytes).
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return encoder
    }
}

/// 204 No Content.
struct NoContent: ResponseGenerator, Sendable {
    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: .noContent)
    }
}
