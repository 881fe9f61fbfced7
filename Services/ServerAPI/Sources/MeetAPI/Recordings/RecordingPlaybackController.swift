import Foundation
import Hummingbird
import MeetAuth
import MeetProtocol
import MeetStorage
import NIOCore

/// `/v1/recordings/{recordingId}`: one recording, its files with HTTP range
/// requests, short-lived playback URLs for them, and its deletion
/// (docs/dev/recording.md, "Playback" and "Playback URLs").
///
/// Files are served by meet-api itself by default, from the directory
/// store or proxied from S3: the authorization below is checked at every
/// request (a demoted host or a changed `recording_access` takes effect at
/// once), the S3 endpoint need not be reachable from browsers, and the
/// headers (`Content-Disposition`, `nosniff`) are ours. Memory stays
/// bounded: the body is read from the store in chunks as the client takes
/// it. With `MEET_RECORDING_S3_PUBLIC_ENDPOINT` set, a playback URL of a
/// file in S3 redirects instead (after the same checks) to a presigned S3
/// GET that lasts as long as the playback token still does: the bytes skip
/// meet-api, and access is checked when the player (re)opens the URL
/// rather than at each of its range requests.
struct RecordingPlaybackController: Sendable {
    let deps: APIDependencies
    let stores: RecordingStores

    init(deps: APIDependencies) {
        self.deps = deps
        self.stores = RecordingStores(configuration: deps.configuration.recordings)
    }

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("{recordingId}", use: self.show)
        group.delete("{recordingId}", use: self.delete)
        group.get("{recordingId}/files/{fileId}", use: self.file)
        group.post("{recordingId}/files/{fileId}/playback", use: self.mintPlaybackURL)
        group.get("{recordingId}/files/{fileId}/playback", use: self.playback)
    }

    /// `GET /v1/recordings/{id}` → ``RecordingResponse`` with its files.
    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> JSONResponse<RecordingResponse> {
        let (_, recording) = try await self.authorized(context)
        return JSONResponse(recording)
    }

    /// `DELETE /v1/recordings/{id}` (owner and hosts) → 204: its files are
    /// deleted from their stores and it no longer lists or plays. 409
    /// `recording_active` while it is still being recorded.
    @Sendable func delete(_ request: Request, context: APIRequestContext) async throws -> NoContent {
        let user = try context.requireUser()
        let (meetingId, recording) = try await self.find(context)
        let role = try await self.deps.members.role(meetingId: meetingId, userId: user.id)
        guard role == .owner || role == .host else {
            let participated = try await self.deps.recordings.participated(meetingId: meetingId, userId: user.id)
            throw role != nil || participated ? APIError.forbidden : Self.notFound
        }
        guard !recording.status.isActive else {
            throw APIError(.recordingActive, "the recording is still running; stop it first")
        }
        try await RecordingRetention(recordings: self.deps.recordings, stores: self.stores).delete(recording.id)
        return NoContent()
    }

    /// `GET /v1/recordings/{id}/files/{fileId}`: the file, whole (200) or a
    /// `Range` of it (206, `Content-Range`); 416 for a range past its end.
    @Sendable func file(_ request: Request, context: APIRequestContext) async throws -> Response {
        let (_, recording) = try await self.authorized(context)
        guard let fileId = context.parameters.get("fileId").flatMap(UUID.init(uuidString:)),
            let stored = try await self.deps.recordings.storedFile(recordingId: recording.id, fileId: fileId)
        else {
            throw APIError(.notFound, "no such file in this recording")
        }
        return try await self.serve(stored, recordingId: recording.id, request: request, inline: false)
    }

    /// `POST /v1/recordings/{id}/files/{fileId}/playback` → ``PlaybackURLResponse``:
    /// a URL carrying a playback token for this file, for whoever may
    /// download it now, valid for `MEET_RECORDING_PLAYBACK_URL_SECONDS`.
    @Sendable func mintPlaybackURL(_ request: Request, context: APIRequestContext) async throws -> JSONResponse<PlaybackURLResponse> {
        let user = try context.requireUser()
        let (_, recording) = try await self.authorized(context)
        guard let fileId = context.parameters.get("fileId").flatMap(UUID.init(uuidString:)),
            try await self.deps.recordings.storedFile(recordingId: recording.id, fileId: fileId) != nil
        else {
            throw APIError(.notFound, "no such file in this recording")
        }
        let (token, expiresAt) = try await self.deps.tokens.makePlaybackToken(
            recordingId: recording.id, fileId: fileId, userId: user.id, ttl: self.deps.configuration.recordings.playbackURLTTL)
        let path = "/v1/recordings/\(recording.id.uuidString.lowercased())/files/\(fileId.uuidString.lowercased())/playback"
        return JSONResponse(PlaybackURLResponse(url: "\(path)?token=\(token)", expiresAt: expiresAt))
    }

    /// `GET /v1/recordings/{id}/files/{fileId}/playback?token=…`: the file
    /// as ``file(_:context:)`` serves it, `Range` included, for the bearer
    /// of a playback token rather than of an access token. The token must
    /// be ours, unexpired and for this very file; the recording must still
    /// exist and the user it was minted for must still be allowed (the
    /// same ``RecordingAccessPolicy``, read at every request, so each seek
    /// of a player is checked). `?download=1` makes it an attachment;
    /// otherwise it is `inline`, for a `<video>` or a new tab. A file in S3
    /// with `MEET_RECORDING_S3_PUBLIC_ENDPOINT` set is answered with a
    /// redirect to a presigned GET instead, after the same checks; the
    /// player's range requests then go to S3, unchecked until it expires.
    @Sendable func playback(_ request: Request, context: APIRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        guard let token = query.get("token"), !token.isEmpty else {
            throw APIError(.unauthorized, "a playback token is required (?token=, from POST …/playback)")
        }
        let claims: PlaybackTokenClaims
        do {
            claims = try await self.deps.tokens.verifyPlaybackToken(token)
        } catch TokenError.expired {
            throw APIError(.unauthorized, "the playback token has expired; ask for a new playback URL")
        } catch {
            throw APIError(.unauthorized, "the playback token is not valid (forged, altered, or not a playback token)")
        }
        guard context.parameters.get("recordingId").flatMap(UUID.init(uuidString:)) == claims.recordingId,
            context.parameters.get("fileId").flatMap(UUID.init(uuidString:)) == claims.fileId
        else {
            throw APIError(.forbidden, "the playback token is for another recording file")
        }
        guard let found = try await self.deps.recordings.find(recordingId: claims.recordingId) else { throw Self.notFound }
        guard let user = try await self.deps.users.find(id: claims.userId) else {
            throw APIError(.unauthorized, "the account this playback token was made for no longer exists")
        }
        try await self.deps.requireRecordingAccess(meetingId: found.meetingId, user: user, notFound: Self.notFound)
        guard let stored = try await self.deps.recordings.storedFile(recordingId: claims.recordingId, fileId: claims.fileId) else {
            throw APIError(.notFound, "no such file in this recording")
        }
        let inline = query.get("download") != "1"
        if stored.storage == .s3, let endpoint = self.deps.configuration.recordings.s3PublicEndpoint, let s3 = self.stores.s3 {
            return try self.redirect(to: s3, endpoint: endpoint, stored, recordingId: claims.recordingId, inline: inline, until: claims.expiresAt)
        }
        return try await self.serve(stored, recordingId: claims.recordingId, request: request, inline: inline)
    }

    /// 302 to a presigned GET of the S3 object on `endpoint`, valid until
    /// the playback token expires (at least a second), with our headers
    /// signed in as S3's `response-*` overrides.
    private func redirect(
        to s3: S3Client, endpoint: S3Endpoint, _ stored: StoredRecordingFile, recordingId: UUID, inline: Bool, until expiry: Date
    ) throws -> Response {
        let headers = Self.headers(for: stored, recordingId: recordingId, inline: inline)
        let overrides: [(String, String)] = [
            ("response-content-type", headers[.contentType]), ("response-content-disposition", headers[.contentDisposition]),
            ("response-cache-control", headers[.cacheControl]),
        ].compactMap { name, value in value.map { (name, $0) } }
        let url: String
        do {
            url = try s3.presignedGET(
                key: stored.key, expires: max(1, Int(expiry.timeIntervalSinceNow.rounded(.up))), endpoint: endpoint, responseHeaders: overrides)
        } catch let error as StorageError {
            throw Self.apiError(error)
        }
        return Response(status: .found, headers: [.location: url, .cacheControl: "private, no-store"])
    }

    /// The stored file, whole or the request's `Range`, with ``headers(for:recordingId:inline:)``.
    private func serve(_ stored: StoredRecordingFile, recordingId: UUID, request: Request, inline: Bool) async throws -> Response {
        try await StoredObjectResponse.make(
            store: try self.stores.store(stored.storage), key: stored.key, request: request,
            headers: Self.headers(for: stored, recordingId: recordingId, inline: inline),
            missing: APIError(.notFound, "the file is listed but not in its store"), storageError: Self.apiError)
    }

    /// `Content-Type` from the kind and codec, an attachment (or `inline`,
    /// for a player) with a file name, no sniffing, no shared caching, and
    /// ranges accepted.
    static func headers(for file: StoredRecordingFile, recordingId: UUID, inline: Bool = false) -> HTTPFields {
        // The composite is an MP4 (H.264 + AAC); per-track files are WebM, H.264 tracks Matroska.
        let (type, suffix) =
            file.kind == "composite"
            ? ("video/mp4", "mp4")
            : file.codec.lowercased() == "h264" ? ("video/x-matroska", "mkv") : (file.kind == "audio" ? "audio/webm" : "video/webm", "webm")
        let name = "recording-\(recordingId.uuidString.lowercased().prefix(8))-\(file.kind)-\(file.id.uuidString.lowercased()).\(suffix)"
        return [
            .contentType: type, .acceptRanges: "bytes", .contentDisposition: "\(inline ? "inline" : "attachment"); filename=\"\(name)\"",
            .init("X-Content-Type-Options")!: "nosniff", .cacheControl: "private, no-store",
        ]
    }

    /// The recording, if the caller may see it (``RecordingAccessPolicy``).
    private func authorized(_ context: APIRequestContext) async throws -> (meetingId: UUID, recording: RecordingResponse) {
        let user = try context.requireUser()
        let found = try await self.find(context)
        let manages = try await self.deps.requireRecordingAccess(meetingId: found.meetingId, user: user, notFound: Self.notFound)
        return manages ? found : (found.meetingId, found.recording.forViewers())
    }

    private func find(_ context: APIRequestContext) async throws -> (meetingId: UUID, recording: RecordingResponse) {
        guard let id = context.parameters.get("recordingId").flatMap(UUID.init(uuidString:)),
            let found = try await self.deps.recordings.find(recordingId: id)
        else {
            throw Self.notFound
        }
        return found
    }

    static let notFound = APIError(.notFound, "no such recording")

    static func apiError(_ error: StorageError) -> APIError {
        switch error {
        case .notFound: APIError(.notFound, "the file is listed but not in its store")
        case .badKey: APIError(.internalError, "the file's storage key is not valid")
        case .unavailable(let message), .rejected(_, let message): APIError(.storageUnavailable, "the recording store failed: \(message)")
        }
    }
}

extension APIDependencies {
    /// Throws 403 or `notFound` unless ``RecordingAccessPolicy`` lets `user`
    /// see the recordings of the meeting, on its state now; true for the
    /// owner and hosts, who see where each file is stored
    /// (``RecordingResponse/forViewers()`` for everyone else).
    @discardableResult
    func requireRecordingAccess(meetingId: UUID, user: UserRecord, notFound: APIError) async throws -> Bool {
        let role = try await self.members.role(meetingId: meetingId, userId: user.id)
        if role == .owner || role == .host { return true }
        let access = try await self.recordings.access(meetingId: meetingId)
        let participated = try await self.recordings.participated(meetingId: meetingId, userId: user.id)
        switch RecordingAccessPolicy.decide(role: role, participated: participated, access: access) {
        case .allow: return false
        case .forbidden: throw APIError.forbidden
        case .notFound: throw notFound
        }
    }
}
