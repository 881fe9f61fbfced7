import Foundation
import Hummingbird
import MeetProtocol
import NIOCore

/// Reads and decodes a JSON request body, turning every way it can be wrong
/// into the right API error:
///
/// - larger than the limit → 413 `payload_too_large` (checked against
///   `Content-Length` first, then while reading);
/// - a `Content-Type` other than `application/json` (parameters such as
///   `charset` allowed), or a body without one → 415 `unsupported_media_type`,
///   decided from the head, before the body is read;
/// - cut short by the client (the connection closed mid-body) → 400
///   `malformed_json`: the client's fault, counted as a 4xx and logged at
///   debug level only (the answer cannot reach it anyway);
/// - absent where the route requires a body → 400 `malformed_json`;
/// - not JSON, not UTF-8, or not an object → 400 `malformed_json`;
/// - a missing, `null` or mistyped field → 422 `validation_failed` naming it.
///
/// Routes whose body is optional (join) read an absent body as `{}`.
struct JSONBody: Sendable {
    let limit: Int

    /// - Parameter optional: whether the route may be called without a body
    ///   (`requestBody.required: false` in docs/openapi.yaml).
    func decode<Value: Decodable>(_ type: Value.Type, from request: Request, optional: Bool = false) async throws -> Value {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > self.limit {
            throw Self.tooLarge(self.limit)
        }
        // The media type is checked before a byte is read: a body that will
        // be refused anyway is not waited for (a slow or stalled upload
        // would hold the request until the body deadline).
        let contentType = request.headers[.contentType]
        if let contentType, !Self.isJSON(contentType) {
            throw Self.unsupportedMediaType
        }
        if contentType == nil, Self.announcesBody(request.headers) {
            throw Self.unsupportedMediaType
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: self.limit)
        } catch is NIOTooManyBytesError {
            throw Self.tooLarge(self.limit)
        } catch {
            throw RequestBodyAborted(underlying: error)
        }
        guard buffer.readableBytes > 0 else {
            guard optional else { throw APIError(.malformedJSON, "a JSON body is required") }
            return try Self.decode(type, from: Data("{}".utf8))
        }
        // A body whose framing did not announce it (router tests build requests without one).
        guard contentType != nil else { throw Self.unsupportedMediaType }
        return try Self.decode(type, from: Data(buffer.readableBytesView))
    }

    /// Whether the head says a body follows: `Content-Length` above zero, or
    /// `Transfer-Encoding` (chunked). Without either an HTTP/1.1 request has
    /// no body (RFC 9112 §6.3).
    static func announcesBody(_ headers: HTTPFields) -> Bool {
        if let length = headers[.contentLength] { return Int(length).map { $0 > 0 } ?? true }
        return headers[.transferEncoding] != nil
    }

    static let unsupportedMediaType = APIError(.unsupportedMediaType, "the body must be sent as Content-Type: application/json")

    /// `application/json`, in any case, with or without parameters (`; charset=utf-8`).
    static func isJSON(_ contentType: String) -> Bool {
        let mediaType = contentType.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return mediaType.trimmingCharacters(in: .whitespaces).lowercased() == "application/json"
    }

    static func decode<Value: Decodable>(_ type: Value.Type, from data: Data) throws -> Value {
        // JSON is UTF-8 (RFC 8259 §8.1); Foundation would quietly repair bad bytes.
        guard String(validating: data, as: UTF8.self) != nil else {
            throw APIError(.malformedJSON, "the body is not valid UTF-8")
        }
        do {
            return try JSONDecoder().decode(Value.self, from: data)
        } catch let error as DecodingError {
            throw Self.apiError(for: error, data: data)
        } catch {
            throw APIError(.malformedJSON, "the body is not valid JSON")
        }
    }

    static func tooLarge(_ limit: Int) -> APIError {
        APIError(.payloadTooLarge, "the body is larger than \(limit) bytes")
    }

    static func apiError(for error: DecodingError, data: Data) -> APIError {
        switch error {
        case .dataCorrupted(let context):
            guard !context.codingPath.isEmpty else {
                // Foundation reports a number that does not fit an integer
                // field (2.5, 1e30) as corrupt data with no path. If the body
                // is valid JSON, find that number and name its field.
                if let field = Self.nonIntegerField(in: data) {
                    return .validation(field, "must be an integer in range")
                }
                return APIError(.malformedJSON, "the body is not valid JSON")
            }
            return .validation(Self.path(context.codingPath), "has an invalid value")
        case .keyNotFound(let key, let context):
            return .validation(Self.path(context.codingPath + [key]), "is required")
        case .typeMismatch(let type, let context):
            guard !context.codingPath.isEmpty else {
                return APIError(.malformedJSON, "the body must be a JSON object")
            }
            return .validation(Self.path(context.codingPath), "must be \(Self.describe(type))")
        case .valueNotFound(let type, let context):
            guard !context.codingPath.isEmpty else {
                return APIError(.malformedJSON, "the body must be a JSON object")
            }
            return .validation(Self.path(context.codingPath), "must be \(Self.describe(type)), not null")
        @unknown default:
            return APIError(.malformedJSON, "the body could not be decoded")
        }
    }

    /// The first top-level field of a valid JSON object holding a number that
    /// is not an integer in `Int`'s range.
    static func nonIntegerField(in data: Data) -> String? {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return nil }
        for key in object.keys.sorted() {
            guard let number = object[key] as? NSNumber, !(object[key] is Bool) else { continue }
            let value = number.doubleValue
            if value != value.rounded() || !(-9.0e18...9.0e18).contains(value) {
                return key
            }
        }
        return nil
    }

    /// `members[2].role` style paths.
    static func path(_ codingPath: [any CodingKey]) -> String {
        var result = ""
        for key in codingPath {
            if let index = key.intValue {
                result += "[\(index)]"
            } else {
                result += result.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return result
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        case is Int.Type, is Int64.Type, is Int32.Type: "an integer"
        case is Double.Type, is Float.Type: "a number"
        case is UUID.Type: "a UUID string"
        default: "a \(String(describing: type).lowercased())"
        }
    }
}
