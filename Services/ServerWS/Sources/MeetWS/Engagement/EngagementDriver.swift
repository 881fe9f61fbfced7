import Foundation
import MeetProtocol

/// Carries out one poll or Q&A request (issue #21 items 3 and 4) for a
/// session: the rules are ``PollRecord``'s and ``QuestionRecord``'s, the
/// state is the ``EngagementStore``'s (PostgreSQL), and every change is
/// published on the room's channel so sockets on every replica hear it.
///
/// Host-only commands were authorized against the role PostgreSQL has now
/// before this runs (``SeatDriver/authorizeHost(_:_:)``); the rate is the
/// machine's (``EngagementLimits/perSecond``). A refusal (closed poll, bad
/// choice, unknown id, a meeting's limit) is the sender's signaling `error`.
struct EngagementDriver {
    let session: any SessionContext

    private var store: any EngagementStore { self.session.services.engagement }
    private var meetingId: UUID { self.session.identity.meetingId }
    private var me: UUID { self.session.identity.participantId }
    private var viewer: EngagementViewer { EngagementViewer(participantId: self.me, isHost: self.session.identity.isHost) }

    func run(_ id: String?, _ command: EngagementCommand) async throws {
        do {
            try await self.perform(id, command)
        } catch let refusal as EngagementRefusal {
            await self.session.fail(id, refusal.code, refusal.message)
        }
    }

    private func perform(_ id: String?, _ command: EngagementCommand) async throws {
        let me = self.me
        switch command {
        case .pollCreate(let create):
            let poll = try await self.store.createPoll(
                PollRecord(meetingId: self.meetingId, createdBy: me, create: try create.validated(), createdAt: Date()))
            try await self.publish(poll, toAttendees: false)
            if let view = poll.view(for: self.viewer) { await self.session.reply(id, .engagement(.poll(view))) }
        case .pollLaunch(let target):
            let poll = try await self.store.updatePoll(id: target.pollId, meetingId: self.meetingId) {
                (poll: inout PollRecord) throws(EngagementRefusal) in try poll.launch()
            }
            try await self.publish(poll, toAttendees: true)
            await self.session.reply(id, .ack(AckData()))
        case .pollClose(let target):
            let poll = try await self.store.updatePoll(id: target.pollId, meetingId: self.meetingId) {
                (poll: inout PollRecord) throws(EngagementRefusal) in try poll.close()
            }
            try await self.publish(poll, toAttendees: true)
            await self.session.reply(id, .ack(AckData()))
        case .pollVote(let vote):
            let poll = try await self.store.updatePoll(id: vote.pollId, meetingId: self.meetingId) {
                (poll: inout PollRecord) throws(EngagementRefusal) in try poll.vote(me, choices: vote.choices)
            }
            // Live results are the hosts'; the others' view does not change with a vote.
            try await self.publish(poll, toAttendees: false)
            if let view = poll.view(for: try await self.currentViewer()) { await self.session.reply(id, .engagement(.poll(view))) }
        case .questionAsk(let ask):
            let valid = try ask.validated()
            let question = try await self.store.createQuestion(
                QuestionRecord(
                    meetingId: self.meetingId, askedBy: me, askerName: self.session.identity.displayName, text: valid.text,
                    anonymous: valid.anonymous ?? false, askedAt: Date()))
            try await self.session.tellRoom(.engagement(.question(question.view())), audience: .participants)
            await self.session.reply(id, .engagement(.question(question.view(for: me))))
        case .questionVote(let vote):
            let question = try await self.store.updateQuestion(id: vote.questionId, meetingId: self.meetingId) {
                (question: inout QuestionRecord) throws(EngagementRefusal) in try question.vote(me, up: vote.up ?? true)
            }
            try await self.session.tellRoom(.engagement(.question(question.view())), audience: .participants)
            await self.session.reply(id, .engagement(.question(question.view(for: me))))
        case .questionModerate(let moderate):
            let question = try await self.store.updateQuestion(id: moderate.questionId, meetingId: self.meetingId) {
                (question: inout QuestionRecord) throws(EngagementRefusal) in question.moderate(moderate.state)
            }
            try await self.session.tellRoom(.engagement(.question(question.view())), audience: .participants)
            await self.session.reply(id, .ack(AckData()))
        case .get:
            let viewer = try await self.currentViewer()
            let polls = try await self.store.polls(meetingId: self.meetingId).compactMap { $0.view(for: viewer) }
            let questions = try await self.store.questions(meetingId: self.meetingId).map { $0.view(for: me) }
            await self.session.reply(id, .engagement(.state(EngagementState(polls: polls, questions: questions))))
        }
    }

    /// Who reads: the hosts' view (live tallies, voters of named polls) only
    /// to a host as PostgreSQL has the role now. A socket that believes it
    /// is a host (its demotion notice lost or late) is checked, and adopts
    /// the role it finds; one that believes it is not gets the attendees'
    /// view without a read (at worst less than it may see, until its notice).
    private func currentViewer() async throws -> EngagementViewer {
        guard self.session.identity.isHost else { return self.viewer }
        let standing = try await self.session.services.participants.standing(participantId: self.me)
        guard let standing, standing.meetingId == self.meetingId else {
            return EngagementViewer(participantId: self.me, isHost: false)
        }
        if standing.role != self.session.identity.role { try await SeatDriver(session: self.session).adopt(role: standing.role) }
        return EngagementViewer(participantId: self.me, isHost: standing.mayManage)
    }

    /// The hosts' view to the hosts, and (on a launch or close) the
    /// attendees' view to the attendees: one event each, on every replica.
    private func publish(_ poll: PollRecord, toAttendees: Bool) async throws {
        if let view = poll.view(for: .hosts) { try await self.session.tellRoom(.engagement(.poll(view)), audience: .hosts) }
        if toAttendees, let view = poll.view(for: .attendees) {
            try await self.session.tellRoom(.engagement(.poll(view)), audience: .attendees)
        }
    }
}
