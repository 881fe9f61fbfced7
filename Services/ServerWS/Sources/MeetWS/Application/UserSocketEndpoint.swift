import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import MeetAuth
import MeetProtocol
import Metrics
import NIOConcurrencyHelpers
import NIOWebSocket

/// `GET /v1/ws/user`: a signed-in user's own socket, outside any meeting
/// (docs/signaling.md, "User sockets"). The web client's home page holds one
/// so its notification bell hears of new notifications at once, as the
/// sockets in a meeting do.
///
/// Authenticated by the user's access token at the upgrade (`?token=`, as
/// browsers cannot set headers on a WebSocket, or `Authorization: Bearer`):
/// a missing, forged or expired token, or one of a deleted account, gets
/// 401 and no socket. The socket is closed with 4401 when that token
/// expires (the client reconnects with a fresh one) or when the account is
/// deleted. It carries `user-ready` once the user's channel is
/// subscribed, then `notification` frames from it (``NotificationRelay``),
/// and answers the client's `ping` with `pong` (the
/// client's heartbeat); anything else gets an `error` frame. Bounded: at most
/// ``UserSocketLimits/perUser`` such sockets per user on a replica (then 429),
/// a bounded queue of frames to write (past it: 1008), small client messages
/// (past ``UserSocketLimits/maxMessageBytes``: 1009), and the WebSocket
/// pings of every meet-ws socket (a peer that vanished is closed within two
/// `MEET_WS_PING_INTERVAL_SECONDS`).
struct UserSocketEndpoint: Sendable {
    let relay: NotificationRelay
    let tokens: TokenService
    /// Whether the account still exists (PostgreSQL): a deleted account's
    /// token, still unexpired, gets 401 as it does from meet-api. Throws
    /// when that cannot be known (then 503).
    let accountExists: @Sendable (UUID) async throws -> Bool
    let limits: UserSocketLimits
    let logger: Logger

    private static let openGauge = Gauge(label: "meet_ws_user_sockets_open")
    private static let open = NIOLockedValueBox(0)

    func addRoutes(to router: Router<BasicWebSocketRequestContext>) {
        router.ws("v1/ws/user") { request, _ in
            let (userId, _) = try await self.verify(request)
            try await self.requireAccount(userId)
            guard self.relay.userSocketCount(userId) < self.limits.perUser else {
                throw HTTPError(.tooManyRequests, message: "this account holds \(self.limits.perUser) user sockets here already")
            }
            return .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            // Verified again: the upgrade's answer is not carried over.
            guard let verified = try? await self.verify(context.request) else {
                try? await outbound.close(.unknown(CloseCode.unauthorized), reason: "token expired")
                return
            }
            await self.serve(userId: verified.0, expiresAt: verified.1, inbound: inbound, outbound: outbound)
        }
    }

    private func serve(
        userId: UUID, expiresAt: Date, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter
    ) async {
        let queue = UserSocketQueue(limit: self.limits.outboundFrames)
        let connectionId = UUID()
        let attached = self.relay.attachUserSocket(
            userId: userId, connectionId: connectionId, limit: self.limits.perUser,
            sink: { queue.enqueue($0.frame) },
            live: {
                queue.enqueue(SignalingCodec.encode(ServerEnvelope(.userReady(EmptyData()))))
                // The account was checked before the upgrade; a deletion whose
                // word went out before this subscription was live is caught here.
                Task {
                    if (try? await self.accountExists(userId)) == false { queue.end(CloseCode.unauthorized, "account deleted") }
                }
            },
            close: { code, reason in queue.end(code, reason) })
        guard attached else {
            try? await outbound.close(.unknown(CloseCode.tooManySockets), reason: "too many user sockets")
            return
        }
        Self.count(+1)
        defer {
            self.relay.detach(connectionId)
            Self.count(-1)
        }
        let maxSize = self.limits.maxMessageBytes
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await Self.read(inbound, into: queue, maxSize: maxSize) }
            group.addTask {
                // The token's end is the socket's: the client reconnects with a fresh one.
                let left = max(0, expiresAt.timeIntervalSinceNow)
                guard (try? await Task.sleep(for: .milliseconds(Int64(left * 1000)))) != nil else { return }
                queue.end(CloseCode.unauthorized, "token expired")
            }
            for await frame in queue.frames {
                do { try await outbound.write(.text(frame)) } catch { break }
            }
            let (code, reason) = queue.closing
            try? await outbound.close(.unknown(code), reason: reason)
            group.cancelAll()
        }
    }

    /// Reads the client's messages: a `ping` is answered with `pong`, anything else with an `error`.
    static func read(_ inbound: WebSocketInboundStream, into queue: UserSocketQueue, maxSize: Int) async {
        let ended = await ClientFrames.read(
            inbound, maxSize: maxSize,
            message: { queue.enqueue(SignalingCodec.encode(Self.answer($0))) },
            failure: { error in
                if case .tooLarge = error {
                    queue.end(CloseCode.tooLarge, "message too large")
                } else {
                    queue.end(error.closeCode, error.reason)
                }
            })
        if ended { queue.end(CloseCode.normal, "") }
    }

    /// What a client message gets on a user socket.
    static func answer(_ message: [UInt8]) -> ServerEnvelope {
        do {
            let envelope = try SignalingCodec.decodeClient(message)
            if case .ping(let data) = envelope.message { return ServerEnvelope(id: envelope.id, .pong(data)) }
            return ServerEnvelope(
                id: envelope.id, .error(SignalingError(.notSupported, "a user socket only answers ping; join a meeting on /v1/ws")))
        } catch {
            return ServerEnvelope(id: error.id, .error(error.error))
        }
    }

    /// The access token's user and expiry; 401 without a valid one.
    private func verify(_ request: Request) async throws -> (UUID, Date) {
        guard let token = WebSocketEndpoint.token(request) else {
            throw HTTPError(.unauthorized, message: "an access token is required")
        }
        do {
            let verified = try await self.tokens.verifyAccessTokenExpiry(token)
            return (verified.userId, verified.expiresAt)
        } catch .expired {
            throw HTTPError(.unauthorized, message: "the access token has expired")
        } catch {
            throw HTTPError(.unauthorized, message: "the access token is invalid")
        }
    }

    /// 401 when the token's account was deleted; 503 when PostgreSQL cannot say.
    private func requireAccount(_ userId: UUID) async throws {
        let exists: Bool
        do {
            exists = try await self.accountExists(userId)
        } catch {
            self.logger.warning("user socket refused: account lookup failed", metadata: ["user.id": "\(userId)", "error": "\(error)"])
            throw HTTPError(.serviceUnavailable, message: "the account cannot be checked now; retry")
        }
        guard exists else { throw HTTPError(.unauthorized, message: "this account no longer exists") }
    }

    private static func count(_ delta: Int) {
        let now = Self.open.withLockedValue { value in
            value += delta
            return value
        }
        Self.openGauge.record(now)
    }
}

/// A user socket's frames to write, bounded: a frame that finds the queue
/// full ends the socket (1008) instead of growing it; the client reconnects
/// and reloads the list. ``end(_:_:)`` records the first close code asked for.
final class UserSocketQueue: Sendable {
    let frames: AsyncStream<String>
    private let continuation: AsyncStream<String>.Continuation
    private let close = NIOLockedValueBox<(UInt16, String)?>(nil)

    init(limit: Int) {
        (self.frames, self.continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingOldest(limit))
    }

    func enqueue(_ frame: String) {
        if case .dropped = self.continuation.yield(frame) {
            self.end(CloseCode.tooSlow, "too slow to read")
        }
    }

    /// Ends the socket once the frames before it are written.
    func end(_ code: UInt16, _ reason: String) {
        self.close.withLockedValue { if $0 == nil { $0 = (code, reason) } }
        self.continuation.finish()
    }

    /// The close code and reason; 1000 when nobody asked for another.
    var closing: (UInt16, String) { self.close.withLockedValue { $0 } ?? (CloseCode.normal, "") }
}
