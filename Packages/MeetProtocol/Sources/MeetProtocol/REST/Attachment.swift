public import Foundation

/// A file attached to a chat message (issue #21, item 6; docs/signaling.md,
/// "File sharing"): the answer to `POST /v1/meetings/{code}/attachments`, and
/// what a `chat` message and the chat history carry. The bytes are at
/// `GET /v1/meetings/{code}/attachments/{id}`, for those who may read the message.
public struct ChatAttachment: Codable, Sendable, Equatable {
    public var id: UUID
    /// The file name as sanitized at upload (no path, no control characters).
    public var name: String
    /// A plain `type/subtype`, else `application/octet-stream`.
    public var contentType: String
    /// Bytes.
    public var size: Int64

    public init(id: UUID, name: String, contentType: String, size: Int64) {
        self.id = id
        self.name = name
        self.contentType = contentType
        self.size = size
    }
}
