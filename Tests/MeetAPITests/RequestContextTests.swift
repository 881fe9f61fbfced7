import Foundation
import Hummingbird
import MeetAuth
import MeetCore
import MeetProtocol
import NIOCore
import Testing
@testable import MeetAPI

/// What the middleware puts in the request context once (who the bearer
/// is), and what the body reader decides before it reads.
@Suite("Request context: bearer authentication, body media type")
struct RequestContextTests {
    /// A body that fails the test when anything reads it.
    struct UnreadableBody: AsyncSequence, Sendable {
        typealias Element = ByteBuffer
        struct AsyncIterator: AsyncIteratorProtocol {
            mutating func next() async throws -> ByteBuffer? {
                Issue.record("the body was read")
                throw CancellationError()
            }
        }
        func makeAsyncIterator() -> AsyncIterator { AsyncIterator() }
    }

    static func request(_ headers: HTTPFields) -> Request {
        Request(
            head: HTTPRequest(method: .post, scheme: "http", authority: "api.test", path: "/v1/auth/login", headerFields: headers),
            body: RequestBody(asyncSequence: UnreadableBody()))
    }

    @Test("a body without Content-Type, or with another one, is refused 415 before a byte of it is read")
    func mediaTypeBeforeBody() async throws {
        let body = JSONBody(limit: 1024)
        for headers: HTTPFields in [
            [.contentLength: "12"],
            [.transferEncoding: "chunked"],
            [.contentType: "text/plain", .contentLength: "12"],
        ] {
            await #expect(throws: APIError.self) {
                do {
                    _ = try await body.decode(LoginRequest.self, from: Self.request(headers))
                } catch let error as APIError {
                    #expect(error.code == .unsupportedMediaType, "\(headers)")
                    throw error
                }
            }
        }
        #expect(!JSONBody.announcesBody([:]))
        #expect(!JSONBody.announcesBody([.contentLength: "0"]))
    }

    @Test("the bearer is an account, a participant, absent, or rejected with the reason to give")
    func bearer() async throws {
        let store = MemoryStore()
        let users = MemoryUserRepository(store: store)
        let tokens = await TokenService(configuration: try JWTConfiguration(secret: TestApp.secret))
        let authenticator = BearerAuthenticator(tokens: tokens, users: users)
        let user = try await users.create(email: TestApp.uniqueEmail(), passwordHash: "h", displayName: "B")
        let bearer = { (token: String) -> HTTPFields in [.authorization: "Bearer \(token)"] }

        guard case .absent = try await authenticator.authenticate([:]) else { Issue.record("no header is absent"); return }
        let access = try await tokens.makeAccessToken(userId: user.id).token
        guard case .user(let found) = try await authenticator.authenticate(bearer(access)) else {
            Issue.record("an access token is its user")
            return
        }
        #expect(found == user)
        guard case .user = try await authenticator.authenticate([.authorization: "bEaReR \(access)"]) else {
            Issue.record("the scheme is case-insensitive")
            return
        }

        let claims = JoinTokenClaims(
            meetingId: UUID(), meetingCode: "abc-defg-hij", participantId: UUID(), role: .attendee, status: .joining,
            userId: nil, guestId: UUID(), displayName: "G", issuedAt: Date(), expiresAt: Date())
        let join = try await tokens.makeJoinToken(claims).token
        guard case .participant(let seat) = try await authenticator.authenticate(bearer(join)) else {
            Issue.record("a join token is its participant")
            return
        }
        #expect(seat.participantId == claims.participantId)
        // The seat's resume token too (a client shares files long after its join token expired); a recorder's never.
        let resume = try await tokens.makeResumeToken(claims, ttl: .seconds(60)).token
        guard case .participant(let resumed) = try await authenticator.authenticate(bearer(resume)) else {
            Issue.record("a resume token is its participant")
            return
        }
        #expect(resumed.participantId == claims.participantId)
        var recorderClaims = claims
        recorderClaims.recordingId = UUID()
        let recorder = try await tokens.makeRecorderToken(recorderClaims)
        guard case .rejected = try await authenticator.authenticate(bearer(recorder)) else {
            Issue.record("a recorder token is no REST bearer")
            return
        }

        let past = await TokenService(configuration: try JWTConfiguration(secret: TestApp.secret), now: { Date(timeIntervalSinceNow: -3600) })
        let expired = try await past.makeAccessToken(userId: user.id).token
        guard case .rejected(let error) = try await authenticator.authenticate(bearer(expired)) else {
            Issue.record("an expired token is rejected")
            return
        }
        #expect(error.message.contains("expired"))
        let gone = try await tokens.makeAccessToken(userId: UUID()).token
        for headers: HTTPFields in [bearer(gone), bearer("garbage"), [.authorization: "Basic abc"]] {
            guard case .rejected(let error) = try await authenticator.authenticate(headers) else {
                Issue.record("\(headers) is rejected")
                continue
            }
            #expect(error.code == .unauthorized)
        }
    }

    @Test("meet-api announces on the room channel and with the event type meet-ws uses")
    func roomChannels() throws {
        let meetingId = UUID()
        let rooms = RoomChannels(prefix: "staging")
        #expect(rooms.prefix == "staging:")
        #expect(rooms.channel(meetingId) == "staging:" + BusChannel.room(meetingId.uuidString.lowercased()))
        #expect(RoomChannels(prefix: "").channel(meetingId) == BusChannel.room(meetingId.uuidString.lowercased()))
        let message = RoomBusMessage.seatChanged(meetingId: meetingId, userId: UUID(), origin: "meet-api", sentAtMs: 1)
        let envelope = RoomChannels.envelope(message, from: "meet-api")
        #expect(envelope.kind == .event)
        #expect(envelope.type == "ws.room-event")
    }
}
