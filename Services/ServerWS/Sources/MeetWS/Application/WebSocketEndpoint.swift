import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import MeetAuth
import MeetCore
import MeetDatabase
import MeetProtocol
import NIOConcurrencyHelpers
import NIOCore
import NIOWebSocket

/// `GET /v1/ws`: authenticates the join token at the upgrade, then runs a
/// ``Session`` for the socket's lifetime, in one task group with the
/// socket's reader, its join deadline and its credential renewals.
///
/// A missing, forged or expired token, a kicked or departed participant,
/// or an ended meeting is refused before the upgrade: the handshake fails
/// (no 101), so a client never holds a socket it may not use.
struct WebSocketEndpoint: Sendable {
    let services: SignalingServices
    /// Verifies join and resume tokens at the upgrade; each session mints
    /// its resume tokens with it.
    let tokens: TokenService
    /// When the handshake's database check last failed or ran out of time:
    /// for ``databaseQuiet`` after it, handshakes do not ask PostgreSQL at
    /// all (it is down; each would wait ``databaseWait`` for nothing).
    let databaseTrouble = NIOLockedValueBox<ContinuousClock.Instant?>(nil)

    /// How long the handshake waits for PostgreSQL's word on the seat before
    /// letting a validly signed token in (issue #23, finding 5: it used to
    /// wait for the 5 s database timeout, longer than many clients' open
    /// timeout). The `join` on the socket checks the seat in any case.
    static let databaseWait: Duration = .milliseconds(250)
    static let databaseQuiet: Duration = .seconds(2)

    func addRoutes(to router: Router<BasicWebSocketRequestContext>) {
        router.ws("v1/ws") { request, _ in
            try await self.authorize(request)
            return .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            guard let claims = try? await self.claims(context.request) else {
                try? await outbound.close(.unknown(CloseCode.unauthorized), reason: "token expired")
                return
            }
            let region = self.services.configuration.regionHeader.flatMap { header in
                PlacementRegion.fromHeader(
                    context.request.headers.first { $0.name.canonicalName == header.lowercased() }?.value)
            }
            let session = Session(
                identity: SessionIdentity(claims: claims), services: self.services,
                writer: WebSocketWriter(outbound: outbound), tokens: self.tokens, upgradeRegion: region)
            let mailbox = session.mailbox
            let limits = self.services.configuration.limits
            let maxSize = self.services.configuration.maxMessageBytes
            let renewal = self.services.configuration.credentialRenewalInterval
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await Self.read(inbound, into: mailbox, maxSize: maxSize) }
                group.addTask {
                    // Not joined by then: the session closes the socket (4408).
                    guard (try? await Task.sleep(for: limits.joinTimeout)) != nil else { return }
                    mailbox.deliver(.joinDeadline)
                }
                group.addTask { await Self.renewals(every: renewal, into: mailbox) }
                await session.run()
                group.cancelAll()
            }
        }
    }

    /// Reads the client's frames into the session's mailbox, one message at
    /// a time: ``SessionMailbox/send(frame:)`` waits while the session is
    /// behind, so this stops reading and TCP pushes back on the client (the
    /// socket's inbound bound is `MEET_WS_INBOUND_QUEUE_MESSAGES` messages).
    /// Framing errors end the socket with their RFC 6455 close code
    /// (``MessageAssembler``).
    static func read(_ inbound: WebSocketInboundStream, into mailbox: SessionMailbox, maxSize: Int) async {
        let ended = await ClientFrames.read(
            inbound, maxSize: maxSize,
            message: { await mailbox.send(frame: $0) },
            failure: { error in
                if case .tooLarge = error {
                    mailbox.deliver(.tooLarge)
                } else {
                    mailbox.deliver(.protocolViolation(code: error.closeCode, reason: error.reason))
                }
            })
        if ended { mailbox.deliver(.socketClosed) }
    }

    /// Asks the session to renew its resume credential every `interval`
    /// (``SeatDriver/sendCredentials()``), until the socket's task group ends.
    static func renewals(every interval: Duration, into mailbox: SessionMailbox) async {
        while (try? await Task.sleep(for: interval)) != nil {
            mailbox.deliver(.renewCredentials)
        }
    }

    /// Throws 401 for a bad token and 403 when the participant may not connect.
    ///
    /// While PostgreSQL cannot say (an outage: an error, no answer within
    /// ``databaseWait``, or a failure in the last ``databaseQuiet``), a
    /// validly signed token, join or resume, is let through at once: the
    /// handshake could only fail with a bare 400 (what every refused upgrade
    /// gets), whereas on the socket the `join` re-checks the standing and
    /// answers a clear `unavailable` error the client can retry on the same
    /// socket once the database is back. A kicked participant whose token is
    /// still valid thus gets a socket during an outage, but no seat: its
    /// `join` is refused when PostgreSQL answers.
    private func authorize(_ request: Request) async throws {
        let claims = try await self.claims(request)
        if let trouble = self.databaseTrouble.withLockedValue({ $0 }), trouble.duration(to: .now) < Self.databaseQuiet {
            return
        }
        let standing: ParticipantStanding?
        do {
            let participants = self.services.participants
            let participantId = claims.participantId
            if let recordingId = claims.recordingId {
                // A recorder's hidden seat: its standing is its recording.
                let meetingId = claims.meetingId
                let active = try await withDeadline(Self.databaseWait) {
                    try await participants.recorderMayConnect(recordingId: recordingId, meetingId: meetingId)
                }
                standing = active ? ParticipantStanding(meetingId: meetingId, status: .joined, meetingStatus: .active) : nil
            } else {
                standing = try await withDeadline(Self.databaseWait) {
                    try await participants.standing(participantId: participantId)
                }
            }
            self.databaseTrouble.withLockedValue { $0 = nil }
        } catch {
            self.databaseTrouble.withLockedValue { $0 = .now }
            self.services.logger.warning(
                "database slow or unavailable at the handshake; letting the signed token in, the join will check",
                metadata: ["error": "\(error)"])
            return
        }
        guard let standing, standing.meetingId == claims.meetingId, standing.mayConnect
        else {
            throw HTTPError(.forbidden, message: "this join is over (left, kicked, or the meeting ended)")
        }
    }

    /// The verified claims of the request's join token, or of a resume token
    /// meet-ws minted for the seat (`?token=` or `Authorization: Bearer`).
    /// Either only says who; ``authorize(_:)`` checks the seat is still live.
    private func claims(_ request: Request) async throws -> JoinTokenClaims {
        guard let token = Self.token(request) else { throw HTTPError(.unauthorized, message: "a join token is required") }
        do {
            return try await self.tokens.verifySeatToken(token).claims
        } catch .expired {
            throw HTTPError(.unauthorized, message: "the join token has expired")
        } catch {
            throw HTTPError(.unauthorized, message: "the join token is invalid")
        }
    }

    static func token(_ request: Request) -> String? {
        if let token = request.uri.queryParameters.get("token"), !token.isEmpty { return token }
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return String(parts[1]).trimmingCharacters(in: .whitespaces)
    }
}

/// ``SocketWriter`` over Hummingbird's outbound writer.
struct WebSocketWriter: SocketWriter {
    let outbound: WebSocketOutboundWriter

    func send(text: String) async throws {
        try await self.outbound.write(.text(text))
    }

    func close(code: UInt16, reason: String) async throws {
        try await self.outbound.close(.unknown(code), reason: reason)
    }
}
