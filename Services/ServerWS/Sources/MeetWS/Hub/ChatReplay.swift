import Foundation
import Logging
import MeetProtocol
import MeetRedis
import Metrics

/// Delivers the chat messages this replica missed while its bus
/// subscriptions were cut off (issue #23, finding 3).
///
/// **Why.** Redis pub/sub keeps nothing for a subscriber that is away. After
/// a Redis restart every process reconnects on its own schedule, so a chat
/// sent by a replica whose command connection was back, to a room whose
/// other replica was still re-subscribing, was acknowledged, published to
/// nobody on that replica, and never seen by its sessions. Every chat
/// message is stored in PostgreSQL before it is acknowledged, so once the
/// subscriptions are confirmed again this replica reads the messages of its
/// rooms stored during the outage (plus ``margin`` before it) and hands
/// them to its sessions; the hub delivers each id once (``RecentChats``),
/// so what did arrive over the bus is not repeated.
///
/// Only chat is replayed: it is the one room event that is acknowledged and
/// kept. Other room events of the gap (hands, media state) are state that
/// the next change or a re-join brings back.
struct ChatReplay: Sendable {
    let services: SignalingServices
    /// Reaches back before the loss: a message stored just before it may
    /// have been published just after.
    static let margin: Duration = .seconds(2)
    /// The most messages replayed per restoration (the newest).
    static let limit = 1000

    /// Tries per restoration: a replay that fails (PostgreSQL slow or its
    /// breaker open just then) is tried again, the window widened by the
    /// time spent, so a message of the gap is not lost to one failed read.
    static let attempts = 5
    static let retryDelay: Duration = .milliseconds(500)

    /// Replays after every restoration until the bus ends.
    func run() async {
        for await event in self.services.bus.connectionEvents() {
            guard case .restored(let after) = event else { continue }
            let started = ContinuousClock.now
            for attempt in 1...Self.attempts {
                do {
                    try await self.replay(within: after + Self.margin + started.duration(to: .now))
                    break
                } catch {
                    self.services.logger.warning(
                        "chat replay after a bus outage failed",
                        metadata: ["error": "\(error)", "attempt": "\(attempt)", "of": "\(Self.attempts)"])
                    guard attempt < Self.attempts, (try? await Task.sleep(for: Self.retryDelay)) != nil else { break }
                }
            }
        }
    }

    /// Hands the chat of this replica's rooms stored in the last `within` to its sessions.
    func replay(within: Duration) async throws {
        let meetingIds = await self.services.hub.meetingIds()
        guard !meetingIds.isEmpty else { return }
        let missed = try await self.services.participants.recentChats(meetingIds: meetingIds, within: within, limit: Self.limit)
        for (meetingId, message) in missed {
            self.services.metrics.chatReplayed.increment()
            await self.services.hub.route(room: self.services.chatMessage(message, meetingId: meetingId))
        }
        self.services.logger.notice(
            "bus subscriptions restored; chat of the gap replayed",
            metadata: ["within": "\(within)", "messages": "\(missed.count)"])
    }
}
