import Foundation
import MeetProtocol
import Testing
@testable import MeetWS

/// Polls and Q&A across two replicas (issue #21 items 3 and 4), with the
/// production sessions and drivers over in-memory adapters.
@Suite struct EngagementFlowTests {
    func poll(_ frame: ServerEnvelope) -> PollView? {
        if case .engagement(.poll(let view)) = frame.message { view } else { nil }
    }

    @Test func hostRunsAPollAcrossReplicasAndAttendeesSeeResultsOnlyOnClose() async throws {
        let cluster = try await InMemoryReplicas(count: 2)
        defer { cluster.stop() }
        let meeting = UUID()
        let host = try await cluster.joined(replica: 0, meetingId: meeting, role: .host, name: "host")
        let aliceId = UUID()
        let alice = try await cluster.joined(replica: 1, meetingId: meeting, participantId: aliceId, name: "alice")

        // An attendee may not create one: refused by its role.
        await alice.send(.engagement(.pollCreate(PollCreate(question: "q", options: ["a", "b"]))), id: "c")
        #expect(try await alice.waitFor("error") { $0.id == "c" }.message == .error(SignalingError(.forbidden, "only hosts may poll-create")))

        await host.send(.engagement(.pollCreate(PollCreate(question: "Lunch?", options: ["Pizza", "Soup"]))), id: "c")
        let draft = try #require(self.poll(try await host.waitFor("poll") { $0.id == "c" }))
        #expect(draft.state == .draft)
        await alice.send(.engagement(.pollVote(PollVote(pollId: draft.id, choices: [0]))), id: "v0")
        #expect(try await alice.waitFor("error") { $0.id == "v0" }.errorCode == .badRequest)  // not launched

        await host.send(.engagement(.pollLaunch(PollTarget(pollId: draft.id))), id: "l")
        let launched = try #require(self.poll(try await alice.waitFor("poll") { $0.id == nil }))
        #expect(launched.state == .open && launched.counts == nil)

        await alice.send(.engagement(.pollVote(PollVote(pollId: draft.id, choices: [0]))), id: "v1")
        await alice.send(.engagement(.pollVote(PollVote(pollId: draft.id, choices: [1]))), id: "v2")
        let mine = try #require(self.poll(try await alice.waitFor("poll") { $0.id == "v2" }))
        #expect(mine.yourChoices == [1] && mine.counts == nil)
        // The host sees the live tally, with who voted (a named poll).
        let live = try #require(self.poll(try await host.waitFor("poll") { self.poll($0)?.voterCount == 1 && self.poll($0)?.counts == [0, 1] }))
        #expect(live.voters == [[], [aliceId]])

        await host.send(.engagement(.pollClose(PollTarget(pollId: draft.id))), id: "x")
        let closed = try #require(self.poll(try await alice.waitFor("poll") { self.poll($0)?.state == .closed }))
        #expect(closed.counts == [0, 1] && closed.voters == nil)
        await alice.send(.engagement(.pollVote(PollVote(pollId: draft.id, choices: [0]))), id: "v3")
        #expect(try await alice.waitFor("error") { $0.id == "v3" }.errorCode == .badRequest)

        // A late joiner reads the state.
        let bob = try await cluster.joined(replica: 1, meetingId: meeting, name: "bob")
        await bob.send(.engagement(.get), id: "g")
        guard case .engagement(.state(let state)) = try await bob.waitFor("engagement").message else { throw ClusterError("no state") }
        #expect(state.polls.map(\.counts) == [[0, 1]])
    }

    @Test func aHostDemotedWithoutHearingOfItReadsTheAttendeesView() async throws {
        let cluster = try await InMemoryReplicas(count: 1)
        defer { cluster.stop() }
        let meeting = UUID()
        let hostId = UUID()
        let host = try await cluster.joined(replica: 0, meetingId: meeting, participantId: hostId, role: .host, name: "host")
        let alice = try await cluster.joined(replica: 0, meetingId: meeting, name: "alice")
        await host.send(.engagement(.pollCreate(PollCreate(question: "Lunch?", options: ["Pizza", "Soup"]))), id: "c")
        let draft = try #require(self.poll(try await host.waitFor("poll") { $0.id == "c" }))
        await host.send(.engagement(.pollLaunch(PollTarget(pollId: draft.id))), id: "l")
        _ = try await alice.waitFor("poll") { $0.id == nil }
        await alice.send(.engagement(.pollVote(PollVote(pollId: draft.id, choices: [0]))), id: "v")
        _ = try await host.waitFor("poll") { self.poll($0)?.counts == [1, 0] }

        // Demoted in PostgreSQL; no notice reaches the socket.
        await cluster.participants.setRole(hostId, .attendee)
        await host.send(.engagement(.get), id: "g")
        let reply = try await host.waitFor("engagement") { $0.id == "g" }
        guard case .engagement(.state(let state)) = reply.message else { throw ClusterError("no state") }
        #expect(state.polls.map(\.counts) == [nil])  // no live tally
        // ...and it took the role it found.
        #expect(try await alice.waitFor("participant-updated").updatedParticipant?.role == .attendee)
    }

    @Test func questionsAreUpvotedOnceAndModeratedByHosts() async throws {
        let cluster = try await InMemoryReplicas(count: 2)
        defer { cluster.stop() }
        let meeting = UUID()
        let host = try await cluster.joined(replica: 0, meetingId: meeting, role: .owner, name: "host")
        let alice = try await cluster.joined(replica: 1, meetingId: meeting, name: "alice")

        await alice.send(.engagement(.questionAsk(QuestionAsk(text: "Who pays?", anonymous: true))), id: "a")
        guard case .engagement(.question(let asked)) = try await host.waitFor("question").message else { throw ClusterError("no question") }
        #expect(asked.askedBy == nil && asked.askerName == nil)
        await host.send(.engagement(.questionVote(QuestionVote(questionId: asked.id))), id: "u1")
        await host.send(.engagement(.questionVote(QuestionVote(questionId: asked.id))), id: "u2")
        guard case .engagement(.question(let voted)) = try await host.waitFor("question", where: { $0.id == "u2" }).message else {
            throw ClusterError("no reply")
        }
        #expect(voted.votes == 1 && voted.youVoted == true)
        await alice.send(.engagement(.questionModerate(QuestionModerate(questionId: asked.id, state: .answered))), id: "m")
        #expect(try await alice.waitFor("error") { $0.id == "m" }.errorCode == .forbidden)
        await host.send(.engagement(.questionModerate(QuestionModerate(questionId: asked.id, state: .answered))), id: "m")
        try await alice.waitFor("question") { if case .engagement(.question(let q)) = $0.message { q.state == .answered } else { false } }
    }

    /// `attendees` (the attendees' view of a poll) reaches joined non-hosts
    /// only: hosts get their own view (`hosts`), the waiting room nothing,
    /// and a host demoted while in the room becomes an attendee.
    @Test func attendeesAreTheJoinedNonHosts() {
        func machine(_ role: MemberRole, joined: Bool = true) -> MachineDriver {
            let identity = SessionIdentity(
                meetingId: UUID(), meetingCode: "abc-defg-hij", participantId: UUID(), role: role, displayName: "T", userId: nil)
            let driver = MachineDriver(SessionMachine(identity: identity, ratePerSecond: 100, burst: 100, now: .now))
            _ = driver.receive(Array(SignalingCodec.encode(ClientEnvelope(id: nil, .join)).utf8), now: .now)
            driver.joined(waiting: !joined)
            return driver
        }
        #expect(machine(.attendee).accepts(audience: .attendees, exclude: nil))
        #expect(!machine(.host).accepts(audience: .attendees, exclude: nil))
        #expect(!machine(.owner).accepts(audience: .attendees, exclude: nil))
        #expect(!machine(.attendee, joined: false).accepts(audience: .attendees, exclude: nil))
        let demoted = machine(.host)
        demoted.updateRole(.attendee)
        #expect(demoted.accepts(audience: .attendees, exclude: nil))
    }
}
