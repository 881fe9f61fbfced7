import Foundation
import MeetProtocol

/// Which publishers a simulated participant receives, and over which
/// connections: the one piece of meet-load that follows how the web client
/// subscribes, kept small so it can be swapped when the protocol changes
/// (one subscriber connection per node with renegotiation, then last-N and
/// pages; issue #15).
///
/// Sans-I/O: it sees the room's publications and what is subscribed, and
/// says what to change; ``SimulatedParticipant`` carries that out.
protocol SubscriptionStrategy: Sendable {
    /// What to change, given every publisher in the room with its tracks
    /// (in the order they were first seen) and the publishers subscribed now.
    func plan(publications: [Publication], subscribed: Set<UUID>) -> [SubscriptionChange]

    /// Called with each frame the strategy may care about that meet-load
    /// does not handle itself (e.g. `active-speakers`, by its `type`), so a
    /// speaker-following strategy can keep its own state. Returns whether
    /// the plan should be made again.
    mutating func observe(eventType: String, json: String) -> Bool
}

/// One publisher's tracks as the room announced them (`tracks` events).
struct Publication: Sendable, Equatable {
    var participantId: UUID
    var nodeId: String?
    var tracks: [TrackInfo]
}

enum SubscriptionChange: Sendable, Equatable {
    case subscribe(UUID)
    case unsubscribe(UUID)
}

extension SubscriptionStrategy {
    mutating func observe(eventType: String, json: String) -> Bool { false }
}

/// Today's protocol (docs/signaling.md, Media): one subscriber connection
/// per publisher, to every publisher in the room up to a cap, first come
/// first served; publishers that stop publishing are dropped.
struct ConnectionPerPublisher: SubscriptionStrategy {
    /// At most this many subscriptions per participant.
    let maxSubscriptions: Int

    func plan(publications: [Publication], subscribed: Set<UUID>) -> [SubscriptionChange] {
        let publishing = Set(publications.map(\.participantId))
        var changes = subscribed.subtracting(publishing).sorted { $0.uuidString < $1.uuidString }.map(SubscriptionChange.unsubscribe)
        var count = subscribed.intersection(publishing).count
        for publication in publications where !subscribed.contains(publication.participantId) {
            guard count < maxSubscriptions else { break }
            changes.append(.subscribe(publication.participantId))
            count += 1
        }
        return changes
    }
}
