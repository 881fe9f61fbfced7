import Foundation
import Hummingbird
import MeetProtocol

/// `GET /v1/meetings/{code}/whiteboard.svg`: the meeting's whiteboard as
/// it is now, drawn server-side from its ops (docs/signaling.md, Whiteboard).
///
/// Readable by whoever may read the meeting's participants and chat
/// (``ParticipantController``'s rule): its members (access token) and its
/// admitted participants (a join token for this meeting); 401 without a
/// bearer, 403 for anyone else, 404 for an unknown code, 410 once the
/// meeting has ended. A download (`Content-Disposition: attachment`), never
/// sniffed, never cached: the board changes with every op.
struct WhiteboardController: Sendable {
    let deps: APIDependencies

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("{code}/whiteboard.svg", use: self.svg)
    }

    @Sendable func svg(_ request: Request, context: APIRequestContext) async throws -> Response {
        let meeting = try await ParticipantController(deps: self.deps).authorizeReader(request, context: context)
        let board = try await self.deps.whiteboards.board(meetingId: meeting.id)
        var headers = HTTPFields()
        headers[.contentType] = "image/svg+xml; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"meet-\(meeting.code)-whiteboard.svg\""
        headers[.xContentTypeOptions] = "nosniff"
        headers[.cacheControl] = "no-store"
        // No script runs in a downloaded SVG, and none could if a browser opened it here.
        headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'unsafe-inline'"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: WhiteboardSVG.render(board))))
    }
}
