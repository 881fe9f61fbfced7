import Foundation
import MeetProtocol

/// A `migrate` this socket's client was sent for its own publication; the
/// client answers with `publish {replaces: transportId}`.
struct PendingMigration: Sendable, Equatable {
    var transportId: String
    var fromNodeId: String
    var targetNodeId: String
    var reason: MigrateReason
    /// When `migrate` went out (the watcher's clock).
    var sentAtMs: Int64 = 0
}

/// Migration as one socket sees it (docs/signaling.md, "Migration"), sans
/// I/O: which `migrate` to send for its publication and its subscriptions,
/// once each, and what to retire when the client has moved.
/// ``MigrationDriver`` feeds it node notices, placements and `tracks`
/// events and carries out what it returns.
struct MigrationFlow: Sendable, Equatable {
    /// How long a client has to move its publication off a lost node before
    /// the room is told it publishes nothing (`tracks: []`).
    static let lostPublicationGraceMs: Int64 = 15_000

    /// What to do about a notice of leaving nodes.
    enum NoticeStep: Sendable, Equatable {
        /// Nothing: the publication is not on a leaving node, or its client was told.
        case none
        /// Find a target node (never one in `excluding`), then ``placed(_:for:reason:nowMs:)``.
        case place(excluding: Set<String>, reason: MigrateReason)
        /// The client did not move off a lost node in time: forget the publication.
        case dropPublication(PublicationRecord)
    }

    /// What to do with the node the client's old publication transport leaves.
    struct Retirement: Sendable, Equatable {
        var transportId: String
        var nodeId: String
        /// Why it moved; nil when the client moved on its own.
        var reason: MigrateReason?
        /// A lost node is not waited for: retire without blocking the session.
        var detached: Bool { self.reason == .nodeLost }
    }

    /// The `migrate` sent for this socket's publication, until its `publish {replaces}`.
    private(set) var pending: PendingMigration?
    /// The publisher transport for which "no node to migrate to" was reported.
    private var waiting: String?
    /// Subscriptions already told `migrate` (`publisher_moved`), by ``movedKey(_:_:)``.
    private(set) var movedSubscriptions: Set<String> = []

    /// Nodes are leaving (`departed`, at `nowMs`); `publication` is this socket's.
    mutating func nodesLeaving(
        _ departed: [String: MigrateReason], nowMs: Int64, publication: PublicationRecord?
    ) -> NoticeStep {
        guard let publication, let reason = departed[publication.nodeId] else { return .none }
        if let pending = self.pending, pending.transportId == publication.transportId {
            // Told already. A client that does not move off a *lost* node would stay
            // listed with tracks nobody can receive (a draining node closes its
            // transports itself, which clears the publication): drop it after a grace.
            guard pending.reason == .nodeLost, nowMs - pending.sentAtMs > Self.lostPublicationGraceMs else { return .none }
            self.pending = nil
            return .dropPublication(publication)
        }
        return .place(excluding: Set(departed.keys).union([publication.nodeId]), reason: reason)
    }

    /// Placement chose `target`: the client gets this `migrate`.
    mutating func placed(
        _ target: String, for publication: PublicationRecord, reason: MigrateReason, nowMs: Int64
    ) -> MigrateInstruction {
        self.pending = PendingMigration(
            transportId: publication.transportId, fromNodeId: publication.nodeId, targetNodeId: target, reason: reason,
            sentAtMs: nowMs)
        return MigrateInstruction(
            reason: reason, nodeId: publication.nodeId, transportId: publication.transportId, targetNodeId: target)
    }

    /// No node to go to: waits for the next notice. True the first time for
    /// this transport (report it once, not every watcher round).
    mutating func placementFailed(for publication: PublicationRecord) -> Bool {
        guard self.waiting != publication.transportId else { return false }
        self.waiting = publication.transportId
        return true
    }

    /// The node `migrate` named for this publication, if it was sent.
    func target(for publication: PublicationRecord) -> String? {
        guard let pending = self.pending, pending.transportId == publication.transportId else { return nil }
        return pending.targetNodeId
    }

    /// The client's `publish {replaces}` moved `old` elsewhere: what to retire.
    mutating func replaced(_ old: PublicationRecord) -> Retirement {
        let reason = self.pending?.transportId == old.transportId ? self.pending?.reason : nil
        self.pending = nil
        self.waiting = nil
        return Retirement(transportId: old.transportId, nodeId: old.nodeId, reason: reason)
    }

    /// The client unpublished: nothing is pending any more.
    mutating func unpublished() {
        self.pending = nil
    }

    /// A `tracks` event of the room: each of `subscriptions` to that
    /// publisher on another node than the event's gets `migrate`
    /// (`publisher_moved`), once.
    mutating func tracksMoved(_ event: TracksEvent, subscriptions: [SubscriptionRecord]) -> [MigrateInstruction] {
        guard let newNode = event.nodeId else { return [] }
        var instructions: [MigrateInstruction] = []
        for subscription in subscriptions
        where subscription.publisherParticipantId == event.participantId && subscription.nodeId != newNode
            && !self.movedSubscriptions.contains(Self.movedKey(subscription.transportId, event.participantId))
        {
            self.movedSubscriptions.insert(Self.movedKey(subscription.transportId, event.participantId))
            instructions.append(
                MigrateInstruction(
                    reason: .publisherMoved, nodeId: subscription.nodeId, transportId: subscription.transportId,
                    publisherParticipantId: event.participantId, targetNodeId: newNode))
        }
        return instructions
    }

    /// After a resume: publishers of `snapshot` that moved while the socket was away.
    mutating func resumed(with snapshot: RoomSnapshot, subscriptions: [SubscriptionRecord]) -> [MigrateInstruction] {
        guard !subscriptions.isEmpty else { return [] }
        let byPublisher = Dictionary(grouping: snapshot.tracks, by: \.participantId)
        var instructions: [MigrateInstruction] = []
        for publisher in Set(subscriptions.map(\.publisherParticipantId)) {
            guard let tracks = byPublisher[publisher], let nodeId = tracks.first?.nodeId else { continue }
            instructions += self.tracksMoved(
                TracksEvent(participantId: publisher, nodeId: nodeId, tracks: tracks), subscriptions: subscriptions)
        }
        return instructions
    }

    /// A subscription ended: it needs no `migrate` any more.
    mutating func forget(subscription transportId: String) {
        self.movedSubscriptions = self.movedSubscriptions.filter { !$0.hasPrefix(transportId + " ") }
    }

    /// One publisher left a per-node connection: it needs no `migrate` any more.
    mutating func forget(subscription transportId: String, publisher: UUID) {
        self.movedSubscriptions.remove(Self.movedKey(transportId, publisher))
    }

    /// A subscription told to move, once per (transport, publisher): a
    /// per-node connection carries several publishers, each of which moves
    /// on its own.
    static func movedKey(_ transportId: String, _ publisher: UUID) -> String {
        "\(transportId) \(publisher.uuidString)"
    }
}
