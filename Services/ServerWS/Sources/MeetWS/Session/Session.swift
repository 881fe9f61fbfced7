import Foundation
import Logging
public import MeetAuth
import MeetCore
import MeetProtocol

/// One socket's life: a loop over its mailbox that asks ``SessionMachine``
/// what each input means and carries it out against presence, the bus and
/// PostgreSQL. Everything for one socket happens in this one task, in
/// order, so a session never races itself.
///
/// It is a façade: the media and host flows are sans-I/O state machines
/// (``PublishFlow``, ``SubscribeFlow``, ``MigrationFlow``,
/// ``HostControlFlow``) run by their drivers against this session
/// (``SessionContext``); it keeps the loop, the socket, joining and leaving.
public final class Session: SessionContext {
    let services: SignalingServices
    let writer: any SocketWriter
    let tokens: TokenService?
    let connectionId = UUID()
    var machine: SessionMachine
    /// This session's presence record (its media and hand live here).
    var record: PresenceRecord
    var migration = MigrationFlow()
    /// Last-N: this socket's `video-preferences` and what they resolved to.
    var videoSelection = VideoSelectionState()
    /// Breakout rooms: this socket's copy of the plan (``BreakoutView``).
    var breakout: BreakoutView
    /// A plan just moved this socket (or the people around it): a
    /// `breakout-scope` follows the `breakout` event.
    var breakoutMoved = false
    let videoSelectionSender = VideoSelectionSender()
    var logger: Logger
    public let mailbox: SessionMailbox
    /// Set when the session ended for a reason that already settled presence
    /// (leave, kick, deny, end, replace); a plain drop keeps it for a resume.
    var presenceSettled = false

    /// The region the ingress's header named at the upgrade (``PlacementRegion``).
    let upgradeRegion: String?

    /// - Parameters:
    ///   - tokens: mints the seat's resume tokens (`credentials`); nil hands out none (unit tests).
    ///   - upgradeRegion: the ingress's region header (`MEET_WS_REGION_HEADER`), validated.
    public init(
        identity: SessionIdentity, services: SignalingServices, writer: any SocketWriter, tokens: TokenService? = nil,
        upgradeRegion: String? = nil
    ) {
        self.services = services
        self.writer = writer
        self.tokens = tokens
        self.upgradeRegion = upgradeRegion
        self.breakout = BreakoutView(me: identity.participantId)
        let configuration = services.configuration
        self.machine = SessionMachine(
            identity: identity, ratePerSecond: configuration.ratePerSecond, burst: configuration.rateBurst,
            now: .now)
        self.record = PresenceRecord(
            participant: identity.participant, status: .joined, replicaId: services.replicaId,
            connectionId: self.connectionId)
        var logger = services.logger
        logger[metadataKey: "meeting.id"] = "\(identity.meetingId)"
        logger[metadataKey: "participant.id"] = "\(identity.participantId)"
        logger[metadataKey: "connection.id"] = "\(self.connectionId)"
        logger[metadataKey: "replica"] = "\(services.replicaId)"
        self.logger = logger
        let metrics = services.metrics
        self.mailbox = SessionMailbox(
            connectionId: self.connectionId, identity: identity, limits: configuration.mailboxLimits,
            onOverflow: { metrics.closedTooSlow() })
    }

    var identity: SessionIdentity { self.machine.identity }

    /// Runs until the session ends; returns after cleaning up.
    public func run() async {
        await self.services.hub.attach(self.mailbox)
        self.services.metrics.socketOpened()
        self.logger.debug("socket open")
        while let input = await self.mailbox.next() {
            await self.handle(input)
            if self.machine.state == .closed { break }
        }
        self.mailbox.finish()
        await self.cleanup()
    }

    private func handle(_ input: SessionInput) async {
        switch input {
        case .frame(let bytes):
            switch self.machine.receive(bytes, now: .now) {
            case .reply(let envelope):
                // Answered on the spot: a pong, or a refusal (counted as `invalid`).
                if case .pong = envelope.message { self.services.metrics.received(type: "ping") } else {
                    self.services.metrics.received(type: nil)
                }
                await self.send(envelope)
            case .execute(let envelope):
                self.services.metrics.received(type: envelope.message.type)
                await self.execute(envelope)
            case .ignore:
                break
            }
        case .room(let message):
            await self.handle(room: message)
        case .inbox(let message):
            await self.handle(inbox: message)
        case .sfu(let event):
            await self.handle(sfu: event)
        case .nodes(let notice):
            await MigrationDriver(session: self).handle(notice)
        case .socketClosed:
            _ = self.machine.close()
        case .tooLarge:
            await self.send(ServerEnvelope(.error(SignalingError(.payloadTooLarge, "message over the size limit"))))
            await self.end(code: CloseCode.tooLarge, reason: "message too large", settled: false)
        case .shutdown:
            await self.end(code: CloseCode.goingAway, reason: "server shutting down; reconnect", settled: false)
        case .renewCredentials:
            if self.identity.isRecorder {
                await self.checkRecorderStanding()
            } else {
                await SeatDriver(session: self).sendCredentials()
            }
        // MARK: limits (docs/signaling.md "Limits"): a drop, so presence keeps the seat for a resume.
        case .protocolViolation(let code, let reason):
            await self.end(code: code, reason: reason, settled: false)
        case .overflow:
            self.logger.notice("closing a socket that reads too slowly (its event queue is full)")
            await self.end(code: CloseCode.tooSlow, reason: "too slow", settled: false)
        case .joinDeadline:
            guard self.machine.state == .connected else { return }
            self.services.metrics.timedOut(.join)
            await self.end(code: CloseCode.joinTimeout, reason: "no join in time", settled: true)
        }
    }

    /// Sends one frame; a failed write means the socket is gone.
    func send(_ envelope: ServerEnvelope) async {
        await self.send(text: SignalingCodec.encode(envelope), type: envelope.message.type)
    }

    func send(text: String, type: String) async {
        guard self.machine.state != .closed else { return }
        do {
            try await self.writer.send(text: text)
            self.services.metrics.sent(type: type)
        } catch {
            _ = self.machine.close()
        }
    }

    func reply(_ id: String?, _ message: ServerMessage) async {
        await self.send(ServerEnvelope(id: id, message))
    }

    func fail(_ id: String?, _ error: SignalingError) async {
        await self.send(ServerEnvelope(id: id, .error(error)))
    }

    /// Closes the socket. `settled` says presence needs no further care.
    func end(code: UInt16, reason: String, settled: Bool) async {
        self.presenceSettled = self.presenceSettled || settled
        guard self.machine.state != .closed else { return }
        let wasInRoom = self.machine.isInRoom
        _ = self.machine.close()
        if !wasInRoom { self.presenceSettled = true }
        try? await self.writer.close(code: code, reason: reason)
    }

    private func cleanup() async {
        await self.services.hub.leaveRoom(self.connectionId, meetingId: self.identity.meetingId)
        await self.services.hub.detach(self.connectionId)
        self.services.metrics.socketClosed()
        // This socket's talk time goes now rather than at the next flush (in
        // the background: a slow database must not hold the resume grace back).
        let talk = self.services.talk, participantId = self.identity.participantId
        if talk.isEnabled { Task { await talk.flush(only: [participantId]) } }
        guard !self.presenceSettled else {
            self.logger.debug("socket closed")
            return
        }
        // A drop, not a leave: keep the seat for the resume grace period.
        do {
            try await self.services.presence.disconnect(
                self.identity.presenceKey, connectionId: self.connectionId, grace: self.services.configuration.resumeGrace)
            self.logger.info("socket dropped; presence kept for resume")
        } catch {
            self.logger.warning("could not start the resume grace", metadata: ["error": "\(error)"])
        }
    }
}
