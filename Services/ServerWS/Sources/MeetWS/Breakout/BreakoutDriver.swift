import Foundation
import Logging
import MeetProtocol

/// Carries out one breakout request (issue #21 item 5) for a session: the
/// rules are ``BreakoutPlan``'s, the state the ``BreakoutStore``'s
/// (PostgreSQL), and every change goes to the room's channel as a
/// `breakout` event, which each session on every replica adopts in order
/// (``BreakoutView``) and answers with a `breakout-scope` where its room
/// changed.
///
/// Host requests were authorized against the role PostgreSQL has now
/// before this runs (``SeatDriver/authorizeHost(_:_:)``), their fields
/// checked and their rate limited by ``SessionMachine``. A refusal (no
/// rooms, already open, unknown room) is the sender's signaling `error`.
struct BreakoutDriver {
    let session: any SessionContext

    private var store: any BreakoutStore { self.session.services.breakouts }
    private var meetingId: UUID { self.session.identity.meetingId }

    func run(_ id: String?, _ command: BreakoutCommand) async throws {
        do {
            try await self.perform(id, command)
        } catch let refusal as BreakoutRefusal {
            await self.session.fail(id, refusal.code, refusal.message)
        }
    }

    private func perform(_ id: String?, _ command: BreakoutCommand) async throws {
        let now = Date()
        switch command {
        case .get:
            let plan = try await self.store.plan(meetingId: self.meetingId) ?? BreakoutPlan(meetingId: self.meetingId)
            await self.session.reply(id, .breakout(.plan(plan)))
        case .create(let create):
            let rooms = create.roomNames.map { BreakoutRoom(name: $0) }
            try await self.change(id) { (plan: inout BreakoutPlan) throws(BreakoutRefusal) in try plan.create(rooms) }
        case .assign(let assign):
            let target = PresenceKey(meetingId: self.meetingId, participantId: assign.participantId)
            guard let record = try await self.session.services.presence.get(target), record.status == .joined else {
                return await self.session.fail(id, .notFound, "that person is not in this meeting")
            }
            let name = record.participant.displayName
            try await self.change(id) { (plan: inout BreakoutPlan) throws(BreakoutRefusal) in
                try plan.assign(assign.participantId, to: assign.roomId, displayName: name)
            }
        case .auto:
            // Everyone in the room now but the hosts (recorder seats are not `joined`), in presence order.
            let people: [(id: UUID, name: String?)] = try await self.session.services.presence.list(meetingId: self.meetingId)
                .filter { $0.status == .joined && !$0.participant.role.canManage }
                .map { (id: $0.participant.id, name: Optional($0.participant.displayName)) }
            try await self.change(id) { (plan: inout BreakoutPlan) throws(BreakoutRefusal) in try plan.autoAssign(people) }
        case .open(let open):
            let duration = open.durationSeconds.map { Duration.seconds($0) }
            try await self.change(id) { (plan: inout BreakoutPlan) throws(BreakoutRefusal) in try plan.open(now: now, duration: duration) }
        case .close(let close):
            let countdown = Duration.seconds(Int64(close.countdownSeconds ?? Int(BreakoutLimits.defaultCountdownSeconds)))
            try await self.change(id) { (plan: inout BreakoutPlan) throws(BreakoutRefusal) in try plan.close(now: now, countdown: countdown) }
        case .broadcast(let broadcast):
            guard let plan = try await self.store.plan(meetingId: self.meetingId), plan.isActive else {
                return await self.session.fail(id, .badRequest, "breakout rooms are not open")
            }
            let identity = self.session.identity
            try await self.session.tellRoom(
                .breakout(.broadcast(BreakoutBroadcast(participantId: identity.participantId, displayName: identity.displayName, text: broadcast.text))),
                audience: .participants)
            await self.session.reply(id, .ack(AckData()))
        }
    }

    /// One transition, stored, then announced to the room (every replica);
    /// the reply is the plan (an unchanged one is not announced again).
    private func change(_ id: String?, _ transition: @escaping @Sendable (inout BreakoutPlan) throws(BreakoutRefusal) -> Void) async throws {
        let outcome = try await self.store.update(meetingId: self.meetingId, transition)
        if outcome.changed { try await self.session.services.announceBreakout(outcome.plan) }
        await self.session.reply(id, .breakout(.plan(outcome.plan)))
    }
}

extension SignalingServices {
    /// Tells every socket of the meeting the plan changed (`breakout`).
    func announceBreakout(_ plan: BreakoutPlan) async throws {
        try await self.publish(.breakout(.plan(plan)), meetingId: plan.meetingId, audience: .participants)
    }
}

/// The timers of every meeting's breakout rooms: each round, the plans
/// whose timer or countdown is due move on (``BreakoutPlan/tick(now:countdown:)``)
/// and the room hears of it. Every replica runs it; the plan's row lock
/// lets one replica move a plan, and the others find nothing to do.
struct BreakoutTimer {
    let services: SignalingServices
    /// Meetings moved per round at most.
    static let batch = 100
    static let interval: Duration = .seconds(1)

    func round(now: Date) async throws {
        let countdown = Duration.seconds(BreakoutLimits.defaultCountdownSeconds)
        for meetingId in try await self.services.breakouts.due(now: now, limit: Self.batch) {
            let outcome = try await self.services.breakouts.update(meetingId: meetingId) { plan in _ = plan.tick(now: now, countdown: countdown) }
            if outcome.changed { try await self.services.announceBreakout(outcome.plan) }
        }
    }
}
