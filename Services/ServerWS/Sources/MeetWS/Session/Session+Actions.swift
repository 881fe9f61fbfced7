import Foundation
import MeetProtocol

extension Session {
    /// Carries out a request the machine has allowed. Host controls are
    /// first checked against the role PostgreSQL has now.
    func execute(_ envelope: ClientEnvelope) async {
        let id = envelope.id
        do {
            if envelope.message.requiresHost, try await !self.authorizeHost(id, envelope.message.type) { return }
            switch envelope.message {
            case .join: await self.join(id)
            case .leave: await self.leave(id)
            case .media(let update):
                try await self.updateSelf(id) { $0.media = update.applied(to: $0.media) }
                await self.liftHardMutes(update)
            case .hand(let hand):
                try await self.updateSelf(id) { $0.handRaised = hand.raised }
            case .chat(let chat):
                try await self.chat(id, body: chat.body)
            case .mute(let command):
                try await self.mute(id, command)
            case .kick(let command):
                try await self.kick(id, command)
            case .admit(let command):
                try await self.admit(id, command)
            case .deny(let command):
                try await self.deny(id, command)
            case .endMeeting:
                try await self.endMeeting(id)
            case .publish(let request):
                try await self.publish(id, request)
            case .unpublish:
                try await self.unpublish(id)
            case .subscribe(let request):
                try await self.subscribe(id, request)
            case .subscribeAnswer(let answer):
                try await self.subscribeAnswer(id, answer)
            case .unsubscribe(let request):
                try await self.unsubscribe(id, request)
            case .ping:
                break  // answered by the machine
            }
        } catch {
            self.logger.warning("request failed", metadata: ["type": "\(envelope.message.type)", "error": "\(error)"])
            await self.fail(id, .unavailable, "could not do that right now; retry")
        }
    }

    /// One message, one outcome (issue #23, finding 4): refused with
    /// `unavailable` and not stored when PostgreSQL fails; otherwise stored
    /// (in the outbox), acknowledged, and delivered: now, or, when the
    /// fan-out fails (Redis down or hanging), by the outbox sweep of
    /// ``PresenceMaintenance`` once Redis answers. No `error` follows an `ack`.
    private func chat(_ id: String?, body: String) async throws {
        let message = try await self.services.participants.saveChat(
            meetingId: self.identity.meetingId, participant: self.record.participant, body: body)
        await self.reply(id, .ack(AckData(messageId: message.id, createdAt: message.createdAt)))
        do {
            try await self.services.publish(.chat(message), meetingId: self.identity.meetingId, audience: .participants)
        } catch {
            self.services.metrics.chatDeferred.increment()
            self.logger.warning(
                "chat stored and acknowledged; fan-out failed, the outbox delivers it when Redis answers",
                metadata: ["message.id": "\(message.id)", "error": "\(error)"])
            return
        }
        do {
            try await self.services.participants.chatDelivered(id: message.id)
        } catch {
            // Left in the outbox: delivered a second time later (clients dedupe by id).
            self.logger.warning("chat delivered but not marked so", metadata: ["message.id": "\(message.id)", "error": "\(error)"])
        }
    }

    /// Changes this participant's media or hand and tells the room.
    private func updateSelf(_ id: String?, _ change: (inout ParticipantInfo) -> Void) async throws {
        var updated = self.record
        change(&updated.participant)
        guard try await self.services.presence.replace(meetingId: self.identity.meetingId, record: updated) else {
            return await self.fail(id, .notFound, "you are no longer in this room")
        }
        self.record = updated
        await self.reply(id, .ack(AckData()))
        try await self.services.publish(
            .participantUpdated(ParticipantEvent(participant: updated.participant)),
            meetingId: self.identity.meetingId, audience: .participants)
    }

    /// The presence record of a participant of this meeting in `status`, if any.
    private func target(_ participantId: UUID, status: PresenceRecord.Status) async throws -> PresenceRecord? {
        let key = PresenceKey(meetingId: self.identity.meetingId, participantId: participantId)
        guard let record = try await self.services.presence.get(key), record.status == status else { return nil }
        return record
    }

    private func kick(_ id: String?, _ command: TargetCommand) async throws {
        let meetingId = self.identity.meetingId
        let key = PresenceKey(meetingId: meetingId, participantId: command.participantId)
        guard let target = try await self.services.presence.get(key) else {
            return await self.fail(id, .notFound, "no such participant in this room")
        }
        guard target.participant.role != .owner else {
            return await self.fail(id, .forbidden, "the owner cannot be kicked")
        }
        if let removed = try await self.services.presence.remove(key) {
            try await self.services.announceGone(meetingId: meetingId, record: removed, reason: .kicked, by: self.identity.participantId)
        } else {
            try await self.services.participants.markGone(participantId: command.participantId, status: .kicked)
        }
        // A kick sticks: REST join refuses the user (or the guest's address and device) from now on.
        try await self.services.participants.ban(participantId: command.participantId, by: self.identity.participantId)
        try await self.services.instruct(.kick, record: target, by: self.identity.participantId, reason: command.reason)
        await self.reply(id, .ack(AckData()))
    }

    private func admit(_ id: String?, _ command: TargetCommand) async throws {
        let meetingId = self.identity.meetingId
        guard var target = try await self.target(command.participantId, status: .waiting) else {
            return await self.fail(id, .notFound, "nobody with that id is waiting")
        }
        switch try await self.services.participants.takeSeat(
            participantId: target.participant.id, meetingId: meetingId, replicaId: nil, admitting: true)
        {
        case .joined: break
        case .full: return await self.fail(id, .meetingFull, "the meeting is at its capacity")
        case .waiting, .gone: return await self.fail(id, .notFound, "nobody with that id is waiting")
        }
        target.status = .joined
        guard try await self.services.presence.replace(meetingId: meetingId, record: target) else {
            return await self.fail(id, .notFound, "nobody with that id is waiting")
        }
        try await self.services.instruct(.admit, record: target, by: self.identity.participantId)
        await self.reply(id, .ack(AckData()))
        try await self.services.publish(
            .participantJoined(ParticipantEvent(participant: target.participant)), meetingId: meetingId,
            audience: .participants, exclude: target.participant.id)
        try await self.services.publish(
            .admissionResolved(AdmissionResolved(participantId: target.participant.id, outcome: .admitted, by: self.identity.participantId)),
            meetingId: meetingId, audience: .hosts)
    }

    private func deny(_ id: String?, _ command: TargetCommand) async throws {
        let meetingId = self.identity.meetingId
        guard let target = try await self.target(command.participantId, status: .waiting),
            let removed = try await self.services.presence.remove(PresenceKey(meetingId: meetingId, participantId: target.participant.id))
        else {
            return await self.fail(id, .notFound, "nobody with that id is waiting")
        }
        try await self.services.participants.markGone(participantId: removed.participant.id, status: .left)
        try await self.services.instruct(.deny, record: removed, by: self.identity.participantId, reason: command.reason)
        await self.reply(id, .ack(AckData()))
        try await self.services.publish(
            .admissionResolved(AdmissionResolved(participantId: removed.participant.id, outcome: .denied, by: self.identity.participantId)),
            meetingId: meetingId, audience: .hosts)
    }

    private func endMeeting(_ id: String?) async throws {
        let meetingId = self.identity.meetingId
        try await self.services.participants.endMeeting(meetingId: meetingId)
        let removed = try await self.services.presence.removeAll(meetingId: meetingId)
        await self.reply(id, .ack(AckData()))
        try await self.services.publish(
            .meetingEnded(Removal(by: self.identity.participantId)), meetingId: meetingId, audience: .everyone)
        for record in removed where !record.sfuNodes.isEmpty {
            await self.services.sfu.closeParticipant(record.participant.id, on: record.sfuNodes)
        }
        self.logger.info("meeting ended by host")
    }
}
