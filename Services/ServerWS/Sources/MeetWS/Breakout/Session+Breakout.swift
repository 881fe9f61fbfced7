import Foundation
import Logging
import MeetProtocol

/// Breakout scoping of one socket (docs/signaling.md, Breakout rooms):
/// which room events reach it, and the `breakout-scope` it gets when the
/// room around it changes. The rules are ``BreakoutView``'s.
extension Session {
    /// `message` as this socket should get it: nil when it is about
    /// someone in another room; `active-speakers` without the speakers of
    /// other rooms. A `breakout` plan is adopted here, in order with the
    /// events it scopes. A recorder's hidden seat records every room.
    func scoped(_ message: RoomBusMessage) -> RoomBusMessage? {
        if self.identity.isRecorder { return message }
        if message.type == "breakout" {
            if case .breakout(.plan(let plan))? = try? SignalingCodec.decodeServer(Data(message.frame.utf8)).message {
                if self.breakout.adopt(plan) { self.breakoutMoved = true }
            }
            return message
        }
        // A room's chat goes to that room, whoever sent it and whenever it is delivered.
        if let room = message.breakoutRoom { return self.breakout.sees(room: room) ? message : nil }
        guard self.breakout.plan?.isActive == true else { return message }
        if let subject = message.subject, !self.breakout.sees(subject) { return nil }
        if message.type == "active-speakers",
            case .activeSpeakers(let speakers)? = try? SignalingCodec.decodeServer(Data(message.frame.utf8)).message
        {
            var filtered = message
            filtered.frame = SignalingCodec.encode(ServerEnvelope(.activeSpeakers(self.breakout.filter(speakers))))
            return filtered
        }
        return message
    }

    /// Reads the meeting's stored plan (at `join`, an admission, a resume
    /// on another replica): the socket is scoped before its snapshot. A
    /// failed read leaves the plan to the next `breakout` event.
    func loadBreakout() async {
        do {
            if let plan = try await self.services.breakouts.plan(meetingId: self.identity.meetingId) {
                _ = self.breakout.adopt(plan)
            }
        } catch {
            self.logger.warning("could not read the breakout rooms", metadata: ["error": "\(error)"])
        }
    }

    /// Right after the snapshot: the plan, when the meeting has rooms.
    func sendBreakoutPlan() async {
        guard let plan = self.breakout.plan, plan.status != .closed else { return }
        await self.reply(nil, .breakout(.plan(plan)))
    }

    /// After a plan that moved this socket (or the people around it):
    /// `breakout-scope`, who it now sees. The client drops its
    /// subscriptions to anyone not listed and subscribes to the tracks
    /// listed, on the nodes where they already are: publications stay.
    func sendBreakoutScope() async {
        self.breakoutMoved = false
        do {
            let records = try await self.services.presence.list(meetingId: self.identity.meetingId).filter {
                $0.status == .joined && self.breakout.sees($0.participant.id)
            }
            await self.reply(
                nil,
                .breakout(.scope(BreakoutScope(
                    roomId: self.breakout.scope, roomName: self.breakout.roomName, participants: records.map(\.participant),
                    tracks: records.flatMap { $0.publication?.tracks ?? [] }))))
        } catch {
            self.logger.warning("could not send the breakout scope", metadata: ["error": "\(error)"])
        }
    }
}
