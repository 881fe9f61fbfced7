import Foundation
import Logging
import MeetProtocol

extension Session {
    /// A room event: forward it if this socket is in its audience; a
    /// `meeting-ended` also closes the socket; a `tracks` event may move
    /// this socket's subscriptions (``MigrationDriver``).
    func handle(room message: RoomBusMessage) async {
        if message.type == RoomBusMessage.seatChangedType {
            // For the replicas only (the hub routes it to this user's sessions):
            // re-read the role, never forward.
            await SeatDriver(session: self).refreshRole()
            return
        }
        guard self.machine.accepts(audience: message.audience, exclude: message.exclude, recipients: message.recipients),
            let message = self.scoped(message)
        else {
            return
        }
        if self.identity.isRecorder, !self.recorderAccepts(message) { return }
        await self.send(text: message.frame, type: message.type)
        if message.type == "tracks", self.record.subscriptions?.isEmpty == false || self.videoSelection.isActive,
            case .tracks(let event)? = try? SignalingCodec.decodeServer(Data(message.frame.utf8)).message
        {
            if self.record.subscriptions?.isEmpty == false { await MigrationDriver(session: self).tracksChanged(event) }
            await VideoSelectionDriver(session: self).tracksChanged(event)
        }
        if message.type == "active-speakers", self.videoSelection.isActive,
            case .activeSpeakers(let event)? = try? SignalingCodec.decodeServer(Data(message.frame.utf8)).message
        {
            await VideoSelectionDriver(session: self).speakersChanged(event)
        }
        if self.breakoutMoved { await self.sendBreakoutScope() }
        if message.type == "meeting-ended" {
            await self.end(code: CloseCode.meetingEnded, reason: "meeting ended", settled: true)
        }
    }

    /// An instruction from another replica (or this one) about this socket.
    func handle(inbox message: InboxBusMessage) async {
        switch message.action {
        case .deliver:
            guard self.machine.state == .joined, let frame = message.frame else { return }
            await self.send(text: frame, type: Self.type(of: frame))
        case .kick:
            await self.reply(nil, .kicked(Removal(by: message.by, reason: message.reason)))
            await self.end(code: CloseCode.kicked, reason: "kicked", settled: true)
        case .deny:
            await self.reply(nil, .denied(Removal(by: message.by, reason: message.reason)))
            await self.end(code: CloseCode.denied, reason: "denied", settled: true)
        case .admit:
            await self.admitted()
        case .replace:
            guard message.connectionId == self.connectionId else { return }
            await self.reply(nil, .sessionReplaced(EmptyData()))
            await self.end(code: CloseCode.replaced, reason: "replaced by a newer connection", settled: true)
        case .mute:
            guard let kind = message.kind, let by = message.by else { return }
            await PublishDriver(session: self).muted(kind: kind, by: by)
        case .end:
            await self.reply(nil, .meetingEnded(Removal(by: message.by)))
            await self.end(code: CloseCode.meetingEnded, reason: "meeting ended", settled: true)
        }
    }

    /// A node closed one of this participant's transports (by request, or
    /// on its own: ICE consent lost, publisher gone, node shutting down).
    func handle(sfu event: SFUTransportClosedEvent) async {
        do {
            switch event.role {
            case .publisher: try await PublishDriver(session: self).transportClosed(event)
            case .subscriber:
                try await SubscribeDriver(session: self).transportClosed(event)
                await VideoSelectionDriver(session: self).subscriptionsChanged()
            }
        } catch {
            self.logger.warning("could not apply an SFU event", metadata: ["error": "\(error)"])
        }
    }

    /// The `type` of an encoded frame, for the metrics label.
    private static func type(of frame: String) -> String {
        (try? SignalingCodec.decodeServer(Data(frame.utf8)).message.type) ?? "error"
    }
}
