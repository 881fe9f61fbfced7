import Foundation
import Logging
import MeetProtocol
import Metrics
public import ServiceLifecycle
import MeetBus

/// The replica's background work, as one lifecycle service: it listens on
/// the replica's inbox and the SFU nodes' event channel, refreshes the presence of its sockets every
/// TTL/3, and sweeps expired presence.
///
/// Every replica sweeps the whole index (not just its rooms), so the
/// participants of a dead replica are reported even in rooms no live
/// replica holds a socket of, and PostgreSQL is updated for them; the sweep
/// script pops each expired entry for exactly one caller.
public struct PresenceMaintenance: Service {
    let services: SignalingServices
    /// Whether Redis answers now (false while its breaker is open): the
    /// chat outbox is not polled meanwhile (``ChatOutbox``).
    let redisAnswers: @Sendable () -> Bool

    public init(services: SignalingServices, redisAnswers: @escaping @Sendable () -> Bool = { true }) {
        self.services = services
        self.redisAnswers = redisAnswers
    }

    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.listenToInbox() }
            group.addTask { await self.listenToSFUEvents() }
            group.addTask { await self.heartbeats() }
            group.addTask { await self.every(self.services.configuration.sweepInterval) { try await self.sweep() } }
            group.addTask {
                let outbox = ChatOutbox(services: self.services, redisAnswers: self.redisAnswers)
                await self.every(ChatOutbox.interval) { _ = try await outbox.deliver() }
            }
            group.addTask { await ChatReplay(services: self.services).run() }
            // Breakout timers and countdowns (issue #21 item 5).
            group.addTask { await self.every(BreakoutTimer.interval) { try await BreakoutTimer(services: self.services).round(now: Date()) } }
            try? await gracefulShutdown()
            await self.services.hub.shutdownAll()
            group.cancelAll()
        }
    }

    /// Routes what arrives on this replica's inbox `ws:{replicaId}` to its
    /// sessions; subscribing is retried while the bus is not up yet.
    private func listenToInbox() async {
        let logger = self.services.logger
        while !Task.isCancelled {
            do {
                let subscription = try await self.services.bus.subscribe(inbox: self.services.replicaId)
                await withTaskCancellationHandler {
                    for await message in subscription.messages {
                        await self.services.hub.route(inbox: message)
                    }
                } onCancel: {
                    subscription.cancel()
                }
                return
            } catch {
                logger.warning("inbox subscription failed; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// Applies the SFU nodes' transport events (``SFUEventRouter``);
    /// subscribing is retried while the bus is not up yet.
    private func listenToSFUEvents() async {
        let router = SFUEventRouter(services: self.services)
        while !Task.isCancelled {
            do {
                let subscription = try await self.services.sfu.events()
                await withTaskCancellationHandler {
                    for await event in subscription.messages { await router.handle(event) }
                } onCancel: {
                    subscription.cancel()
                }
                if Task.isCancelled { return }
            } catch {
                self.services.logger.warning("SFU event subscription failed; retrying", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    private func every(_ interval: Duration, _ work: @Sendable () async throws -> Void) async {
        while !Task.isCancelled {
            do {
                try await work()
            } catch {
                self.services.logger.warning("presence maintenance failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }

    /// Runs ``heartbeat()`` every TTL/3, and at once whenever the presence
    /// store reconnects to Redis: a restart without persistence lost every
    /// entry, and the heartbeat writes back this replica's, so snapshots
    /// list everyone again within moments (nobody was announced gone: the
    /// sweep finds nothing to expire in an empty index).
    func heartbeats() async {
        let (ticks, tick) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let interval = self.services.configuration.heartbeatInterval
        let resets = self.services.presence.resets()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    tick.yield()
                    try? await Task.sleep(for: interval)
                }
                tick.finish()
            }
            group.addTask {
                for await _ in resets {
                    self.services.logger.info("redis reconnected; refreshing presence now")
                    tick.yield()
                }
            }
            for await _ in ticks {
                do {
                    try await self.heartbeat()
                } catch {
                    self.services.logger.warning("presence heartbeat failed", metadata: ["error": "\(error)"])
                }
            }
            group.cancelAll()
        }
    }

    func heartbeat() async throws {
        let keys = await self.services.hub.roomMembers()
        // Called even with no keys: the store may still have dropped sockets to restore.
        let restored = try await self.services.presence.heartbeat(keys, ttl: self.services.configuration.presenceTTL)
        // One failed announcement (the bus refused one publish) must not
        // leave the other restored seats unannounced: the write-back that
        // restored them is not repeated.
        for (meetingId, record) in restored {
            do {
                try await self.announceRestored(meetingId: meetingId, record: record)
            } catch {
                self.services.logger.warning("restored seat not announced", metadata: [
                    "meeting.id": "\(meetingId)", "participant.id": "\(record.participant.id)", "error": "\(error)",
                ])
            }
        }
    }

    /// Tells the room again about a seat the heartbeat wrote back (issue
    /// #23): a joiner whose snapshot was read between the loss and this
    /// write-back (the first 0.1–0.3 s after Redis came back empty, while
    /// another replica had not written its seats back yet) did not see it,
    /// and hears of it now. Those who knew it already take the
    /// `participant-joined` as an update (docs/signaling.md) and the
    /// `tracks` as the same tracks; hosts get a waiting seat's
    /// `admission-request` again.
    private func announceRestored(meetingId: UUID, record: PresenceRecord) async throws {
        let id = record.participant.id
        switch record.status {
        case .joined:
            try await self.services.publish(
                .participantJoined(ParticipantEvent(participant: record.participant)), meetingId: meetingId,
                audience: .participants, exclude: id)
            if let publication = record.publication, !publication.tracks.isEmpty {
                try await self.services.publish(
                    .tracks(TracksEvent(participantId: id, nodeId: publication.nodeId, tracks: publication.tracks)),
                    meetingId: meetingId, audience: .participants, exclude: id)
            }
        case .waiting:
            try await self.services.publish(
                .admissionRequest(ParticipantEvent(participant: record.participant)), meetingId: meetingId, audience: .hosts)
        case .recorder:
            break  // hidden: nobody heard of it
        }
    }

    /// Removes expired presence and announces each removal once.
    func sweep() async throws {
        let expired = try await self.services.presence.sweep(limit: 500)
        for (meetingId, record) in expired {
            self.services.metrics.expired.increment()
            self.services.logger.info(
                "presence expired",
                metadata: ["meeting.id": "\(meetingId)", "participant.id": "\(record.participant.id)",
                           "replica": "\(record.replicaId)"])
            try await self.services.announceGone(meetingId: meetingId, record: record, reason: .timeout)
        }
    }
}
