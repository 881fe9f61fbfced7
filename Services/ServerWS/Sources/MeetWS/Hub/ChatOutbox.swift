import Foundation
import Logging
import MeetProtocol
import Metrics

/// Publishes the chat messages whose own fan-out failed (issue #23,
/// finding 4), so that what was stored and acknowledged during a Redis
/// outage reaches the room once Redis is back.
///
/// Each sweep leases a batch (``ParticipantStore/claimUndeliveredChats(minAge:lease:limit:)``:
/// no other replica takes those messages while the lease holds), publishes
/// them in order, marks the published ones delivered in one statement and
/// releases the rest. A replica that dies holding a lease leaves its
/// messages to be claimed again when the lease ends. Delivery is at least
/// once: a replica that published and then could not mark (PostgreSQL gone
/// at that moment) publishes them again after the lease; clients dedupe
/// chat by id.
///
/// While Redis does not answer (its command breaker is open) the outbox is
/// not polled at all: every publish would be refused, and each sweep would
/// cost PostgreSQL a claim and a release for nothing.
struct ChatOutbox: Sendable {
    let services: SignalingServices
    /// Whether Redis answers now; false while the Redis breaker is open.
    let redisAnswers: @Sendable () -> Bool

    /// How often the outbox is swept.
    static let interval: Duration = .milliseconds(500)
    /// How long a message stays in the outbox before a sweep takes it: its
    /// own fan-out normally marks it delivered within milliseconds, and
    /// fails within the Redis breaker deadline (500 ms) when Redis hangs.
    static let minAge: Duration = .seconds(2)
    /// How long a claim holds its messages: far longer than publishing a
    /// batch takes (each publish fails within the breaker deadline), short
    /// enough that a dead claimer delays its messages by seconds, not minutes.
    static let lease: Duration = .seconds(30)
    static let batch = 100

    /// One sweep. Returns how many messages it delivered; nil when it did
    /// not poll (Redis does not answer).
    @discardableResult
    func deliver() async throws -> Int? {
        guard self.redisAnswers() else { return nil }
        let participants = self.services.participants
        let claimed = try await participants.claimUndeliveredChats(minAge: Self.minAge, lease: Self.lease, limit: Self.batch)
        guard !claimed.isEmpty else { return 0 }
        var published: [String] = []
        for (meetingId, message) in claimed {
            do {
                try await self.services.publish(chat: message, meetingId: meetingId)
            } catch {
                break  // the rest keep their order: released, published by a later sweep
            }
            published.append(message.id)
            self.services.metrics.chatRedelivered.increment()
        }
        try await participants.chatsDelivered(ids: published)
        let unsent = claimed.dropFirst(published.count).map(\.message.id)
        if !unsent.isEmpty { try await participants.releaseChats(ids: unsent) }
        if !published.isEmpty {
            self.services.logger.notice("chat outbox delivered", metadata: ["messages": "\(published.count)"])
        }
        return published.count
    }
}
