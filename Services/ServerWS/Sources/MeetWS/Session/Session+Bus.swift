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
            if case .over(let ended) = await SeatDriver(session: self).refreshRole() {
                await self.seatOver(meetingEnded: ended)
            }
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
        if self.breakoutMoved {
            await self.sendBreakoutScope()
            await BreakoutSubscriptions(session: self).closeOutOfScope()
        }
        if message.type == "meeting-ended" {
            // Ended over WS, the host's replica already removed every seat; ended
            // over REST (meet-api), nobody did: each socket drops its own media.
            await self.dropSeatQuietly()
            await self.end(code: CloseCode.meetingEnded, reason: "meeting ended", settled: true)
        }
    }

    /// meet-api ended this seat while the socket was open (the account was
    /// deleted, or the meeting ended): leave the room as `leave` does, say
    /// why, and close. A resume is refused from then on (PostgreSQL says so).
    func seatOver(meetingEnded: Bool) async {
        self.logger.info("seat over; closing", metadata: ["meeting.ended": "\(meetingEnded)"])
        do {
            if let removed = try await self.services.presence.remove(self.identity.presenceKey) {
                try await self.services.announceGone(meetingId: self.identity.meetingId, record: removed, reason: .left)
            }
        } catch {
            self.logger.warning("seat over; the room was not told (the presence sweep will)", metadata: ["error": "\(error)"])
        }
        if meetingEnded {
            await self.reply(nil, .meetingEnded(Removal(by: nil)))
            await self.end(code: CloseCode.meetingEnded, reason: "meeting ended", settled: true)
        } else {
            await self.fail(nil, .forbidden, "this seat is over: the account was deleted or the seat was ended")
            await self.end(code: CloseCode.forbidden, reason: "seat over", settled: true)
        }
    }

    /// Removes this socket's presence and closes its transports on the
    /// nodes, telling nobody (the room is ending). Nothing when the seat
    /// was already removed.
    private func dropSeatQuietly() async {
        do {
            if let removed = try await self.services.presence.remove(self.identity.presenceKey) {
                await self.services.sfu.closeParticipant(self.identity.participantId, on: removed.sfuNodes)
            }
        } catch {
            self.logger.warning("meeting ended; presence not removed (its TTL will)", metadata: ["error": "\(error)"])
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
