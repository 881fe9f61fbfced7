import Foundation
import Hummingbird
import MeetProtocol
import MeetStorage
import NIOCore

/// A file from a store as an HTTP response, whole (200) or one `Range` of
/// it (206, `Content-Range`), 416 for a range past its end: recording
/// playback and chat attachments.
///
/// Memory stays bounded: the body is read from the store in chunks of at
/// most ``chunkSize`` bytes as the client takes it. The caller has checked
/// who asks, and gives the headers (type, disposition, no sniffing).
enum StoredObjectResponse {
    /// What one read from a store holds at most.
    static let chunkSize: Int64 = 4 << 20

    /// - Parameters:
    ///   - missing: thrown when the store has no such object.
    ///   - storageError: how the store's failures are answered.
    static func make(
        store: any RecordingStore, key: String, request: Request, headers: HTTPFields, missing: APIError,
        storageError: (StorageError) -> APIError
    ) async throws -> Response {
        let size: Int64
        do {
            guard let found = try await store.size(key: key) else { throw missing }
            size = found
        } catch let error as StorageError {
            throw storageError(error)
        }
        var headers = headers
        headers[.acceptRanges] = "bytes"
        let range: ClosedRange<Int64>
        let status: HTTPResponse.Status
        switch ByteRange(header: request.headers[.range], size: size) {
        case .unsatisfiable:
            throw APIError(
                .rangeNotSatisfiable, "the range is outside the file's \(size) bytes", headers: [.contentRange: "bytes */\(size)"])
        case .full:
            guard size > 0 else { return Response(status: .ok, headers: headers, body: ResponseBody()) }
            range = 0...(size - 1)
            status = .ok
        case .partial(let partial):
            range = partial
            status = .partialContent
            headers[.contentRange] = "bytes \(partial.lowerBound)-\(partial.upperBound)/\(size)"
        }
        let length = range.upperBound - range.lowerBound + 1
        return Response(
            status: status, headers: headers,
            body: ResponseBody(contentLength: Int(length)) { writer in
                var offset = range.lowerBound
                while offset <= range.upperBound {
                    let end = min(range.upperBound, offset + Self.chunkSize - 1)
                    let data = try await store.read(key: key, range: offset...end)
                    guard !data.isEmpty else { throw StorageError.unavailable("\(key) ended early at byte \(offset)") }
                    try await writer.write(ByteBuffer(bytes: data))
                    offset += Int64(data.count)
                }
                try await writer.finish(nil)
            })
    }
}
