import Foundation
import Hummingbird
import MeetCore
import MeetProtocol
import MeetStorage

/// `POST /v1/meetings/{code}/attachments` and `GET …/attachments/{id}`:
/// files shared in the chat (issue #21, item 6; docs/signaling.md, "File sharing").
///
/// Upload: a participant seated in the meeting (its join or resume token;
/// an account alone has no seat to send the message from) sends the raw
/// bytes, `?name=` the file's name and `Content-Type` its type. The body is
/// streamed to the store (the recordings' directory or S3) with the limit
/// enforced while reading: past ``AttachmentConfiguration/maxBytes``, or
/// past what is left of the meeting's total
/// (``AttachmentConfiguration/meetingMaxBytes``), 413 and nothing is kept. The answer is the attachment's id, which the
/// sender's `chat` then names over WebSocket; until then nobody can
/// download it, and an upload never sent is swept after an hour.
///
/// Download: whoever may read the meeting's chat (``ParticipantController``'s
/// readers) and sees the message the file went with (``MessageViewer``: a
/// private message's file only for its sender and recipient), checked
/// against the state at each request. The file is served as a download
/// (`Content-Disposition: attachment` with a safe name), never sniffed,
/// sandboxed by its CSP, not cached, with `Range`.
struct AttachmentController: Sendable {
    let deps: APIDependencies
    let stores: RecordingStores

    init(deps: APIDependencies) {
        self.deps = deps
        self.stores = RecordingStores(configuration: deps.configuration.recordings)
    }

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.post("{code}/attachments", use: self.upload)
        group.get("{code}/attachments/{attachmentId}", use: self.download)
    }

    /// Unsent uploads are deleted after this long (``AttachmentCleanup``).
    static let unsentLifetime: Duration = .seconds(3600)

    @Sendable func upload(_ request: Request, context: APIRequestContext) async throws -> JSONResponse<ChatAttachment> {
        let meeting = try await ParticipantController(deps: self.deps).authorizeReader(request, context: context)
        guard case .participant(let claims) = context.bearer, let seat = try await self.deps.participants.find(id: claims.participantId)
        else {
            throw APIError(.forbidden, "only a participant seated in the meeting can attach a file (use the seat's token)")
        }
        let configuration = self.deps.configuration.attachments
        if let length = request.headers[.contentLength].flatMap(Int64.init), length > configuration.maxBytes {
            throw Self.tooLarge(configuration.maxBytes)
        }
        try await self.deps.limits.enforceUploads(participantId: seat.id, perMinute: configuration.perMinute)
        // The meeting's room left, checked before reading (and again, atomically, when saved).
        let room = configuration.meetingMaxBytes - (try await self.deps.attachments.totalBytes(meetingId: meeting.id))
        let limit = min(configuration.maxBytes, room)
        guard limit > 0, request.headers[.contentLength].flatMap(Int64.init).map({ $0 <= room }) ?? true else {
            throw Self.meetingFull(configuration.meetingMaxBytes)
        }
        let id = UUID()
        let kind = self.stores.uploadKind
        let key = "attachments/\(meeting.id.uuidString.lowercased())/\(id.uuidString.lowercased())"
        let contentType = AttachmentNames.contentType(request.headers[.contentType])
        let store = try self.stores.store(kind)
        let size: Int64
        do {
            size = try await store.write(
                key: key, contentType: contentType, body: LimitedBody(base: request.body, limit: limit))
        } catch is BodyLimitExceeded {
            throw limit < configuration.maxBytes ? Self.meetingFull(configuration.meetingMaxBytes) : Self.tooLarge(configuration.maxBytes)
        } catch let error as StorageError {
            throw APIError(.storageUnavailable, "the file store failed: \(error)")
        }
        let attachment = StoredAttachment(
            id: id, meetingId: meeting.id, participantId: seat.id, userId: seat.userId, messageId: nil,
            name: AttachmentNames.name(request.uri.queryParameters.get("name")), contentType: contentType, size: size,
            storage: kind, key: key, createdAt: Date())
        let saved: Bool
        do {
            saved = try await self.deps.attachments.insert(attachment, meetingLimit: configuration.meetingMaxBytes)
        } catch {
            try? await store.delete(key: key)
            throw error
        }
        guard saved else {
            // Another upload took the room meanwhile.
            try? await store.delete(key: key)
            throw Self.meetingFull(configuration.meetingMaxBytes)
        }
        return JSONResponse(status: .created, attachment.response)
    }

    @Sendable func download(_ request: Request, context: APIRequestContext) async throws -> Response {
        let reader = ParticipantController(deps: self.deps)
        let meeting = try await reader.authorizeReader(request, context: context)
        let viewer = try await reader.viewer(of: meeting, context: context)
        guard let id = context.parameters.get("attachmentId").flatMap(UUID.init(uuidString:)),
            let found = try await self.deps.attachments.lookup(id: id), found.attachment.meetingId == meeting.id,
            let message = found.message, viewer.sees(message, recipientUserId: found.recipientUserId)
        else {
            // Unknown, unsent, or in a message this reader does not see: the same answer.
            throw Self.notFound
        }
        // A breakout room's message: its file is for that room's members and the hosts, as its history is.
        if let room = found.breakoutRoomId, !viewer.isHost,
            !(try await self.deps.attachments.isBreakoutMember(roomId: room, viewer: viewer))
        {
            throw Self.notFound
        }
        let attachment = found.attachment
        var headers = HTTPFields()
        headers[.contentType] = attachment.contentType
        headers[.contentDisposition] = AttachmentNames.contentDisposition(attachment.name)
        headers[.xContentTypeOptions] = "nosniff"
        headers[.contentSecurityPolicy] = "default-src 'none'; sandbox"
        headers[.cacheControl] = "private, no-store"
        headers[.init("Cross-Origin-Resource-Policy")!] = "same-origin"
        return try await StoredObjectResponse.make(
            store: try self.stores.store(attachment.storage), key: attachment.key, request: request, headers: headers,
            missing: APIError(.notFound, "the file is listed but not in its store"),
            storageError: RecordingPlaybackController.apiError)
    }

    static let notFound = APIError(.notFound, "no such attachment")

    static func meetingFull(_ limit: Int64) -> APIError {
        APIError(.payloadTooLarge, "the meeting's files would total more than \(limit) bytes (MEET_ATTACHMENT_MEETING_MAX_BYTES)")
    }

    static func tooLarge(_ limit: Int64) -> APIError {
        APIError(.payloadTooLarge, "the file is larger than \(limit) bytes (MEET_ATTACHMENT_MAX_BYTES)")
    }
}

extension RecordingStores {
    /// Where new objects go: S3 when configured, else the directory.
    var uploadKind: RecordingStoreKind { self.s3 == nil ? .directory : .s3 }
}

extension AttemptLimits {
    /// 429 past `perMinute` uploads of one seat in a minute.
    func enforceUploads(participantId: UUID, perMinute: Int) async throws {
        guard case .limited(let retryAfter) = try await self.count("attachment:\(participantId)", maxAttempts: perMinute, window: .seconds(60))
        else { return }
        throw Self.tooMany(retryAfter: retryAfter) { "too many files, retry in \($0) s" }
    }
}
