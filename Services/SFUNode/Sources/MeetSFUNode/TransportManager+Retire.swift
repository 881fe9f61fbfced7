import MeetProtocol
import NIOCore

/// `sfu.retire-transport`: the publisher has moved to another node (a
/// drain's migration). Its transport here keeps forwarding to the
/// subscribers still attached, so nobody loses the picture while they move
/// too, and closes (reason ``TransportManager/migratedReason``) once the last
/// of them has gone, or when the migration timeout passes, whichever comes
/// first. New subscribers no longer find it: the participant's newest
/// publisher is elsewhere now.
extension TransportManager {
    /// The `reason` of a retired publisher's `sfu.transport-closed`.
    public static let migratedReason = TransportCloseReason.migrated.rawValue

    /// Retires a publisher transport; returns 1 when it closed at once (it
    /// had no subscribers), else 0. Retiring twice keeps the first deadline.
    public func retire(transportId: String) async throws -> Int {
        try await loop.submit { () throws -> Int in
            guard let publisher = self.publishers[transportId] else {
                if self.subscribers[transportId] != nil {
                    throw SFUControlError.badRequest("\(transportId) is a subscriber transport; only publishers are retired")
                }
                throw SFUControlError.unknownTransport(transportId)
            }
            let remaining = self.subscriberCount(of: publisher)
            self.logger.info(
                "publisher transport retired",
                metadata: [
                    "transport": "\(transportId)", "participant": "\(publisher.participantId)",
                    "subscribers": "\(remaining)",
                ])
            if self.newestPublisher[publisher.participantId] == publisher.id {
                self.newestPublisher.removeValue(forKey: publisher.participantId)
            }
            guard remaining > 0 else {
                self.closePublisher(publisher, reason: .migrated)
                return 1
            }
            if self.retired[transportId] == nil {
                self.retired[transportId] = ContinuousClock.now.advanced(by: self.migrationTimeout)
            }
            return 0
        }.get()
    }

    /// Whether a publisher transport is retired (tests, logs).
    public func isRetired(transportId: String) async -> Bool {
        (try? await loop.submit { self.retired[transportId] != nil }.get()) ?? false
    }

    /// Subscriber transports of `publisher`, answered or not (event loop).
    func subscriberCount(of publisher: PublisherTransport) -> Int {
        subscribers.values.reduce(0) { $0 + ($1.publisher === publisher ? 1 : 0) }
    }

    /// After a subscriber closed: closes its publisher if that is retired and
    /// now unused (event loop).
    func closeIfRetiredAndUnused(_ publisher: PublisherTransport) {
        guard retired[publisher.id] != nil, publishers[publisher.id] === publisher,
              subscriberCount(of: publisher) == 0
        else { return }
        closePublisher(publisher, reason: .migrated)
    }

    /// The RTCP timer's check: closes retired publishers whose migration
    /// timeout has passed, with whatever subscribers they still have.
    func closeExpiredRetirements(now: ContinuousClock.Instant) {
        for (id, deadline) in retired where deadline <= now {
            guard let publisher = publishers[id] else {
                retired.removeValue(forKey: id)
                continue
            }
            logger.info(
                "retired publisher timed out",
                metadata: ["transport": "\(id)", "subscribers": "\(subscriberCount(of: publisher))"])
            closePublisher(publisher, reason: .migrated)
        }
    }
}
