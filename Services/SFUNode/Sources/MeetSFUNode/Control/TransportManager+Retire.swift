import Logging
import MeetProtocol
import MeetRTC
import NIOCore

/// `sfu.retire-transport` (see ``RetirementBook``): the publisher moved to
/// another node; its transport here serves the subscribers still attached
/// and closes as `migrated` once they are gone or its migration timeout
/// passes. New subscribers no longer find it: the participant's newest
/// publisher is elsewhere now.
extension TransportManager {
    /// Retires a publisher transport; returns 1 when it closed at once (it
    /// had no subscribers), else 0. Retiring twice keeps the first deadline.
    public func retire(transportId: String) async throws -> Int {
        try await loop.submit { () throws -> Int in
            guard let publisher = self.registry.publishers[transportId] else {
                if self.registry.subscribers[transportId] != nil {
                    throw SFUControlError.badRequest("\(transportId) is a subscriber transport; only publishers are retired")
                }
                throw SFUControlError.unknownTransport(transportId)
            }
            let remaining = self.registry.subscriberCount(of: publisher)
            self.logger.info(
                "publisher transport retired",
                metadata: [
                    "transport": "\(transportId)", "participant": "\(publisher.participantId)",
                    "subscribers": "\(remaining)",
                ])
            self.registry.hideFromNewSubscribers(publisher)
            self.plane.activity.noteWork()
            switch self.retirements.retire(transportId, subscribers: remaining, now: .now) {
            case .closeNow:
                self.registry.closePublisher(publisher, reason: .migrated)
                return 1
            case .keepUntil:
                return 0
            }
        }.get()
    }

    /// Whether a publisher transport is retired (tests, logs).
    public func isRetired(transportId: String) async -> Bool {
        (try? await loop.submit { self.retirements.isRetired(transportId) }.get()) ?? false
    }

    /// After a subscriber closed: closes its publisher if that is retired and
    /// now unused (event loop).
    func closeIfRetiredAndUnused(_ publisher: PublisherTransport) {
        assertOnOwningLoop()
        guard registry.publishers[publisher.id] === publisher,
              retirements.shouldClose(publisher.id, remainingSubscribers: registry.subscriberCount(of: publisher))
        else { return }
        registry.closePublisher(publisher, reason: .migrated)
    }

    /// The RTCP timer's check: closes retired publishers whose migration
    /// timeout has passed, with whatever subscribers they still have.
    func closeExpiredRetirements(now: ContinuousClock.Instant) {
        assertOnOwningLoop()
        for id in retirements.expired(now: now) {
            guard let publisher = registry.publishers[id] else {
                retirements.forget(id)
                continue
            }
            logger.info(
                "retired publisher timed out",
                metadata: ["transport": "\(id)", "subscribers": "\(registry.subscriberCount(of: publisher))"])
            registry.closePublisher(publisher, reason: .migrated)
        }
    }
}
