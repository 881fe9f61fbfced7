import Foundation
import Logging
import MeetProtocol
import Metrics

/// What a participant says and shows about itself: `chat`, `media` and `hand`.
struct ParticipantDriver {
    let session: any SessionContext

    /// One message, one outcome (issue #23, finding 4): refused with
    /// `unavailable` and not stored when PostgreSQL fails; otherwise stored
    /// (in the outbox), acknowledged, and delivered: now, or, when the
    /// fan-out fails (Redis down or hanging), by the outbox sweep of
    /// ``PresenceMaintenance`` once Redis answers. No `error` follows an `ack`.
    func chat(_ id: String?, body: String, to recipient: ChatRecipient? = nil, attachment: UUID? = nil) async throws {
        let services = self.session.services
        if case .participant(let target)? = recipient {
            // A private message goes to someone in the room now (presence), never stored for nobody.
            let key = PresenceKey(meetingId: self.session.identity.meetingId, participantId: target)
            guard let record = try await services.presence.get(key), record.status == .joined else {
                return await self.session.fail(id, .notFound, "that person is not in this meeting")
            }
        }
        let message: ChatMessage
        do {
            message = try await services.participants.saveChat(
                meetingId: self.session.identity.meetingId, participant: self.session.record.participant, body: body, to: recipient,
                attachment: attachment)
        } catch is ChatAttachmentUnavailable {
            return await self.session.fail(id, .notFound, "no such attachment: upload it first; each goes with one message")
        }
        await self.session.reply(id, .ack(AckData(messageId: message.id, createdAt: message.createdAt)))
        do {
            try await services.publish(chat: message, meetingId: self.session.identity.meetingId)
        } catch {
            self.session.services.metrics.chatDeferred.increment()
            self.session.logger.warning(
                "chat stored and acknowledged; fan-out failed, the outbox delivers it when Redis answers",
                metadata: ["message.id": "\(message.id)", "error": "\(error)"])
            return
        }
        do {
            try await self.session.services.participants.chatsDelivered(ids: [message.id])
        } catch {
            // Left in the outbox: delivered a second time later (clients dedupe by id).
            self.session.logger.warning("chat delivered but not marked so", metadata: ["message.id": "\(message.id)", "error": "\(error)"])
        }
    }

    /// `reaction`: fanned out to the room (every replica), then
    /// acknowledged; when the fan-out fails (Redis) the sender gets
    /// `unavailable` and no `ack`: one outcome. Not stored, so a late
    /// joiner never sees it. Validated and rate-limited by ``SessionMachine``.
    func react(_ id: String?, emoji: String) async throws {
        try await self.session.tellRoom(
            .reaction(ReactionEvent(participantId: self.session.identity.participantId, emoji: emoji)), audience: .participants)
        self.session.services.metrics.reactions.increment()
        await self.session.reply(id, .ack(AckData()))
    }

    /// Changes this participant's media or hand and tells the room.
    func updateSelf(_ id: String?, _ change: (inout ParticipantInfo) -> Void) async throws {
        guard try await self.session.store({ change(&$0.participant) }) else {
            return await self.session.fail(id, .notFound, "you are no longer in this room")
        }
        await self.session.reply(id, .ack(AckData()))
        try await self.session.tellRoom(.participantUpdated(ParticipantEvent(participant: self.session.record.participant)), audience: .participants)
    }
}
