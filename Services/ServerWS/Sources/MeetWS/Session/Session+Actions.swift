import Foundation
import Logging
import MeetProtocol

extension Session {
    /// Carries out a request the machine has allowed, with the driver of its
    /// flow. Host controls are first checked against the role PostgreSQL has now.
    func execute(_ envelope: ClientEnvelope) async {
        let id = envelope.id
        do {
            if envelope.message.requiresHost, try await !SeatDriver(session: self).authorizeHost(id, envelope.message.type) { return }
            switch envelope.message {
            case .join: await self.join(id)
            case .leave: await self.leave(id)
            case .media(let update):
                try await ParticipantDriver(session: self).updateSelf(id) { $0.media = update.applied(to: $0.media) }
                await PublishDriver(session: self).liftHardMutes(update)
            case .hand(let hand):
                try await ParticipantDriver(session: self).updateSelf(id) { $0.handRaised = hand.raised }
            case .chat(let chat):
                try await ParticipantDriver(session: self).chat(id, body: chat.body, to: chat.recipient, attachment: chat.attachmentId)
            case .mute(let command):
                try await HostControlDriver(session: self).run(id, .mute(command))
            case .kick(let command):
                try await HostControlDriver(session: self).run(id, .kick(command))
            case .admit(let command):
                try await HostControlDriver(session: self).run(id, .admit(command))
            case .deny(let command):
                try await HostControlDriver(session: self).run(id, .deny(command))
            case .endMeeting:
                try await HostControlDriver(session: self).run(id, .endMeeting)
            case .publish(let request):
                try await PublishDriver(session: self).publish(id, request)
            case .unpublish:
                try await PublishDriver(session: self).unpublish(id)
            case .subscribe(let request):
                try await SubscribeDriver(session: self).subscribe(id, request)
            case .subscribeAnswer(let answer):
                try await SubscribeDriver(session: self).answer(id, answer)
            case .unsubscribe(let request):
                try await SubscribeDriver(session: self).unsubscribe(id, request)
            case .videoPreferences(let request):
                try await VideoSelectionDriver(session: self).preferences(id, request)
            case .reaction(let reaction):
                try await ParticipantDriver(session: self).react(id, emoji: reaction.emoji)
            case .recordStart:
                try await RecordingDriver(session: self).start(id)
            case .recordStop:
                try await RecordingDriver(session: self).stop(id)
            case .engagement(let command):
                try await EngagementDriver(session: self).run(id, command)
            case .breakout(let command):
                try await BreakoutDriver(session: self).run(id, command)
            case .whiteboardOp(let op):
                try await WhiteboardDriver(session: self).apply(id, op)
            case .whiteboardSync(let request):
                try await WhiteboardDriver(session: self).sync(id, since: request.since)
            case .ping:
                break  // answered by the machine
            }
            if envelope.message.changesSubscriptions { await VideoSelectionDriver(session: self).subscriptionsChanged() }
        } catch {
            self.logger.warning("request failed", metadata: ["type": "\(envelope.message.type)", "error": "\(error)"])
            await self.fail(id, .unavailable, "could not do that right now; retry")
        }
    }
}

extension ClientMessage {
    /// Whether it can add, move or remove one of the socket's subscriptions
    /// (last-N re-resolves after it).
    var changesSubscriptions: Bool {
        switch self {
        case .subscribe, .subscribeAnswer, .unsubscribe: true
        default: false
        }
    }
}
