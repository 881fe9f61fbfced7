import Foundation
import MeetProtocol
import Testing
@testable import MeetWS

/// ``ChatOutbox`` on a replica of real sessions and hubs, over the
/// in-memory stores (issue #23, finding 4).
@Suite struct ChatOutboxFlowTests {
    @Test func aDeliveredChatLeavesTheOutbox() async throws {
        let cluster = try await InMemoryReplicas(count: 1)
        defer { cluster.stop() }
        let a = await cluster.connect(replica: 0, meetingId: UUID(), role: .owner, name: "a")
        await a.send(.join, id: "j")
        try await a.waitFor("joined")
        await a.send(.chat(ChatSend(body: "hi")), id: "c")
        try await a.waitFor("chat")
        try await cluster.settle()
        #expect(await cluster.participants.undelivered.isEmpty)
    }

    @Test func theOutboxIsNotPolledWhileRedisDoesNotAnswerAndDeliversOnceItDoes() async throws {
        let cluster = try await InMemoryReplicas(count: 1)
        defer { cluster.stop() }
        let meeting = UUID()
        let a = await cluster.connect(replica: 0, meetingId: meeting, role: .owner, name: "a")
        await a.send(.join, id: "j")
        try await a.waitFor("joined")
        // Stored and acknowledged while the fan-out failed: in the outbox.
        let info = ParticipantInfo(id: UUID(), displayName: "b", role: .attendee, userId: nil, guest: true)
        let stored = try await cluster.participants.saveChat(meetingId: meeting, participant: info, body: "during the outage")

        let closed = ChatOutbox(services: cluster.replicas[0], redisAnswers: { false })
        #expect(try await closed.deliver() == nil)
        #expect(await cluster.participants.outboxClaims == 0)  // PostgreSQL not asked

        let open = ChatOutbox(services: cluster.replicas[0], redisAnswers: { true })
        #expect(try await open.deliver() == 1)
        let delivered = try await a.waitFor("chat").chatMessage
        #expect(delivered?.id == stored.id && delivered?.body == stored.body)
        #expect(await cluster.participants.undelivered.isEmpty)
        #expect(try await open.deliver() == 0)
    }
}
