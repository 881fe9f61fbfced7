import Foundation
import MeetProtocol
import Testing

/// Polls and Q&A rules (issue #21 items 3 and 4), without I/O: votes and
/// their changes, closing, what each viewer sees, Q&A order.
@Suite struct PollsTests {
    let meeting = UUID()
    let host = UUID()
    let alice = UUID()
    let bob = UUID()

    func poll(multiple: Bool = false, anonymous: Bool = false) throws -> PollRecord {
        let create = try PollCreate(question: " Lunch? ", options: ["Pizza", "Soup", "Salad"], multiple: multiple, anonymous: anonymous)
            .validated()
        return PollRecord(meetingId: self.meeting, createdBy: self.host, create: create, createdAt: Date())
    }

    @Test func aVoteMayChangeUntilTheClose() throws {
        var poll = try self.poll()
        #expect(throws: EngagementRefusal.self) { try poll.vote(self.alice, choices: [0]) }  // a draft takes none
        try poll.launch()
        try poll.vote(self.alice, choices: [0])
        try poll.vote(self.bob, choices: [0])
        try poll.vote(self.alice, choices: [2])  // changed: counted once, where it is now
        #expect(poll.counts == [1, 0, 1])
        let revision = poll.revision
        try poll.close()
        #expect(poll.revision > revision)
        #expect(throws: EngagementRefusal.self) { try poll.vote(self.bob, choices: [1]) }
        #expect(poll.counts == [1, 0, 1])
        #expect(throws: EngagementRefusal.self) { try poll.close() }
        #expect(throws: EngagementRefusal.self) { try poll.launch() }
    }

    @Test func choicesAreCheckedAgainstThePoll() throws {
        var single = try self.poll()
        try single.launch()
        for bad in [[], [3], [-1], [0, 1], [1, 1]] {
            #expect(throws: EngagementRefusal.self, "\(bad)") { try single.vote(self.alice, choices: bad) }
        }
        var multiple = try self.poll(multiple: true)
        try multiple.launch()
        #expect(try multiple.vote(self.alice, choices: [2, 0]) == [0, 2])
        #expect(multiple.counts == [1, 0, 1])
    }

    @Test func resultsAreTheHostsUntilTheCloseThenEveryones() throws {
        var poll = try self.poll()
        #expect(poll.view(for: .attendees) == nil)  // a draft is the hosts' alone
        try poll.launch()
        try poll.vote(self.alice, choices: [1])
        let open = try #require(poll.view(for: EngagementViewer(participantId: self.alice, isHost: false)))
        #expect(open.counts == nil && open.voters == nil && open.voterCount == nil)
        #expect(open.yourChoices == [1])
        let hosts = try #require(poll.view(for: .hosts))
        #expect(hosts.counts == [0, 1, 0])
        #expect(hosts.voters == [[], [self.alice], []])
        try poll.close()
        let closed = try #require(poll.view(for: .attendees))
        #expect(closed.counts == [0, 1, 0] && closed.voterCount == 1)
        #expect(closed.voters == nil)  // who voted how stays with the hosts
    }

    @Test func anAnonymousPollNeverShowsVoters() throws {
        var poll = try self.poll(anonymous: true)
        try poll.launch()
        try poll.vote(self.alice, choices: [0])
        try poll.close()
        for viewer in [EngagementViewer.hosts, .attendees, EngagementViewer(participantId: self.host, isHost: true)] {
            let view = try #require(poll.view(for: viewer))
            #expect(view.voters == nil)
            #expect(view.counts == [1, 0, 0])
        }
        let encoded = SignalingCodec.encode(ServerEnvelope(.engagement(.poll(try #require(poll.view(for: .hosts))))))
        #expect(!encoded.lowercased().contains(self.alice.uuidString.lowercased()))
    }

    @Test func badPollsAreRefusedWithTheReason() {
        let cases: [PollCreate] = [
            PollCreate(question: "  ", options: ["a", "b"]),
            PollCreate(question: "q", options: ["a"]),
            PollCreate(question: "q", options: (0...EngagementLimits.maxOptions).map(String.init)),
            PollCreate(question: "q", options: ["a", String(repeating: "x", count: EngagementLimits.maxOption + 1)]),
            PollCreate(question: "q", options: ["a", " a "]),
            PollCreate(question: String(repeating: "q", count: EngagementLimits.maxPollQuestion + 1), options: ["a", "b"]),
        ]
        for create in cases {
            #expect(throws: EngagementRefusal.self) { try create.validated() }
        }
        #expect(throws: EngagementRefusal.self) { try QuestionAsk(text: " ").validated() }
        #expect(throws: EngagementRefusal.self) {
            try QuestionAsk(text: String(repeating: "?", count: EngagementLimits.maxQuestionText + 1)).validated()
        }
    }

    @Test func questionsUpvoteOnceAndOrderByVotes() throws {
        var first = QuestionRecord(meetingId: self.meeting, askedBy: self.alice, askerName: "Alice", text: "first", anonymous: false, askedAt: Date())
        var second = QuestionRecord(
            meetingId: self.meeting, askedBy: self.bob, askerName: "Bob", text: "second", anonymous: true, askedAt: Date().addingTimeInterval(1))
        #expect(try second.vote(self.alice, up: true))
        #expect(try !second.vote(self.alice, up: true))  // once each
        #expect(second.view().votes == 1)
        #expect(QuestionRecord.byVotes(second, first))  // more votes first, however late
        #expect(try second.vote(self.alice, up: false))  // withdrawn
        #expect(QuestionRecord.byVotes(first, second))  // a tie: the older first
        #expect(second.view().askedBy == nil && second.view().askerName == nil)
        #expect(first.view().askedBy == self.alice)
        first.moderate(.dismissed)
        #expect(throws: EngagementRefusal.self) { try first.vote(self.bob, up: true) }
        #expect(second.view(for: self.alice).youVoted == false)
    }

    @Test func commandsAndEventsRoundTrip() throws {
        let commands: [EngagementCommand] = [
            .pollCreate(PollCreate(question: "q", options: ["a", "b"], multiple: true)), .pollLaunch(PollTarget(pollId: UUID())),
            .pollClose(PollTarget(pollId: UUID())), .pollVote(PollVote(pollId: UUID(), choices: [1])),
            .questionAsk(QuestionAsk(text: "why?", anonymous: true)), .questionVote(QuestionVote(questionId: UUID(), up: false)),
            .questionModerate(QuestionModerate(questionId: UUID(), state: .answered)), .get,
        ]
        for command in commands {
            let envelope = ClientEnvelope(id: "1", .engagement(command))
            #expect(try SignalingCodec.decodeClient(Data(SignalingCodec.encode(envelope).utf8)) == envelope)
        }
        #expect(try SignalingCodec.decodeClient(Data(#"{"type":"engagement-get"}"#.utf8)).message == .engagement(.get))
        #expect(throws: ClientDecodeError.self) { try SignalingCodec.decodeClient(Data(#"{"type":"poll-vote","data":{"pollId":"x"}}"#.utf8)) }
        var poll = try self.poll()
        try poll.launch()
        let event = ServerEnvelope(.engagement(.poll(try #require(poll.view(for: .hosts)))))
        let decoded = try SignalingCodec.decodeServer(Data(SignalingCodec.encode(event).utf8))
        #expect(decoded.message.type == "poll")
        if case .engagement(.poll(let view)) = decoded.message { #expect(view.question == "Lunch?" && view.state == .open) } else {
            Issue.record("not a poll: \(decoded)")
        }
    }
}
