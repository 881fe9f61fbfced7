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

/// Moving media off SFU nodes that drain or are lost (docs/signaling.md,
/// "Migration"), make-before-break:
///
/// 1. a node leaves (``NodeWatcher``, or its `sfu.node-draining` event):
///    each session whose publication is on it picks a target node and
///    sends its client `migrate` (once per publisher transport);
/// 2. the client's `publish {replaces}` gets a new transport on the target
///    (Session+Publish.swift); the room's `tracks` names the new node, and
///    the old node is told `sfu.retire-transport` (it keeps forwarding to
///    the old subscribers until they have moved);
/// 3. each subscriber's session sees that `tracks` event name another node
///    than its subscription's and sends its client `migrate`
///    (`publisher_moved`); the client subscribes anew, then unsubscribes the
///    old transport.
extension Session {
    /// Leaving nodes: migrate this socket's publication if it is on one and
    /// the client was not told yet. With no node to go to, it waits for the
    /// next notice (the watcher sends one every round while nodes are leaving).
    func handle(nodes notice: NodeNotice) async {
        guard self.machine.state == .joined, let publication = self.record.publication,
            let reason = notice.departed[publication.nodeId]
        else { return }
        if let pending = self.pendingMigration, pending.transportId == publication.transportId {
            // Told already. A client that does not move off a *lost* node would stay
            // listed with tracks nobody can receive (a draining node closes its
            // transports itself, which clears the publication): drop it after a grace.
            if pending.reason == .nodeLost, notice.nowMs - pending.sentAtMs > Self.lostPublicationGraceMs {
                await self.dropLostPublication(publication)
            }
            return
        }
        let excluding = Set(notice.departed.keys).union([publication.nodeId])
        let target: SFUNodeRecord
        do throws(SFUFailure) {
            if let records = notice.records {
                target = try self.services.sfu.place(
                    from: records, nowMs: notice.nowMs, excluding: excluding, countFailure: false)
            } else {
                target = try await self.services.sfu.place(hint: nil, excluding: excluding)
            }
        } catch {
            if self.migrationWaiting != publication.transportId {
                self.migrationWaiting = publication.transportId
                self.logger.warning(
                    "no SFU node to migrate the publication to; waiting",
                    metadata: ["sfu.node": "\(publication.nodeId)", "transport": "\(publication.transportId)", "error": "\(error)"])
            }
            return
        }
        self.pendingMigration = PendingMigration(
            transportId: publication.transportId, fromNodeId: publication.nodeId, targetNodeId: target.id, reason: reason,
            sentAtMs: notice.nowMs)
        self.services.metrics.migration(reason, publisher: true)
        self.logger.notice(
            "migrate publication",
            metadata: [
                "reason": "\(reason.rawValue)", "sfu.node": "\(publication.nodeId)", "transport": "\(publication.transportId)",
                "sfu.target": "\(target.id)",
            ])
        await self.reply(
            nil,
            .migrate(
                MigrateInstruction(
                    reason: reason, nodeId: publication.nodeId, transportId: publication.transportId, targetNodeId: target.id)))
    }

    /// How long a client has to move its publication off a lost node before
    /// the room is told it publishes nothing (`tracks: []`).
    static let lostPublicationGraceMs: Int64 = 15_000

    /// The publication sits on a lost node and its client did not move it:
    /// forget it as if the node had closed it (nothing to close there).
    private func dropLostPublication(_ publication: PublicationRecord) async {
        self.pendingMigration = nil
        var updated = self.record
        updated.publication = nil
        do {
            guard try await self.services.presence.replace(meetingId: self.identity.meetingId, record: updated) else { return }
            self.record = updated
            try await self.services.participants.markPublishing(participantId: self.identity.participantId, nodeId: nil)
            self.logger.notice(
                "publication dropped: its node is lost and the client did not move it",
                metadata: ["sfu.node": "\(publication.nodeId)", "transport": "\(publication.transportId)"])
            try await self.services.publish(
                .tracks(TracksEvent(participantId: self.identity.participantId, nodeId: nil, tracks: [])),
                meetingId: self.identity.meetingId, audience: .participants)
        } catch {
            self.logger.warning("could not drop a publication on a lost node", metadata: ["error": "\(error)"])
        }
    }

    /// The node `migrate` named for this publication, if it was sent.
    func migrationTarget(for publication: PublicationRecord) -> String? {
        guard let pending = self.pendingMigration, pending.transportId == publication.transportId else { return nil }
        return pending.targetNodeId
    }

    /// After a successful `publish {replaces}`: the old node stops taking
    /// the old transport's media once its subscribers have moved
    /// (`sfu.retire-transport`). A lost node is not waited for.
    func retire(_ old: PublicationRecord, replacedBy transportId: String, on nodeId: String) async {
        let reason = self.pendingMigration?.transportId == old.transportId ? self.pendingMigration?.reason : nil
        self.pendingMigration = nil
        self.migrationWaiting = nil
        self.logger.notice(
            "publication migrated",
            metadata: [
                "reason": "\(reason?.rawValue ?? "client")", "sfu.node": "\(old.nodeId)", "transport": "\(old.transportId)",
                "sfu.target": "\(nodeId)", "transport.new": "\(transportId)",
            ])
        let request = RetireTransportRequest(transportId: old.transportId)
        if reason == .nodeLost {
            let sfu = self.services.sfu
            Task { await sfu.bestEffort(SFUControlType.retireTransport, request, node: old.nodeId) }
        } else {
            await self.services.sfu.bestEffort(SFUControlType.retireTransport, request, node: old.nodeId)
        }
    }

    /// A `tracks` event of the room (already forwarded to the client): each
    /// of this socket's subscriptions to that publisher on another node than
    /// the event's gets `migrate` (`publisher_moved`), once.
    func checkPublisherMoved(_ event: TracksEvent) async {
        guard let newNode = event.nodeId else { return }
        for subscription in self.record.subscriptions ?? []
        where subscription.publisherParticipantId == event.participantId && subscription.nodeId != newNode
            && !self.migratedSubscriptions.contains(subscription.transportId)
        {
            self.migratedSubscriptions.insert(subscription.transportId)
            self.services.metrics.migration(.publisherMoved, publisher: false)
            self.logger.info(
                "migrate subscription",
                metadata: [
                    "publisher.id": "\(event.participantId)", "sfu.node": "\(subscription.nodeId)",
                    "transport": "\(subscription.transportId)", "sfu.target": "\(newNode)",
                ])
            await self.reply(
                nil,
                .migrate(
                    MigrateInstruction(
                        reason: .publisherMoved, nodeId: subscription.nodeId, transportId: subscription.transportId,
                        publisherParticipantId: event.participantId, targetNodeId: newNode)))
        }
    }

    /// After a resume: publishers that moved while this socket was away.
    func checkPublishersMoved(in snapshot: RoomSnapshot) async {
        guard let subscriptions = self.record.subscriptions, !subscriptions.isEmpty else { return }
        let byPublisher = Dictionary(grouping: snapshot.tracks, by: \.participantId)
        for publisher in Set(subscriptions.map(\.publisherParticipantId)) {
            guard let tracks = byPublisher[publisher], let nodeId = tracks.first?.nodeId else { continue }
            await self.checkPublisherMoved(TracksEvent(participantId: publisher, nodeId: nodeId, tracks: tracks))
        }
    }
}
