import Foundation
import Logging
import MeetProtocol

/// Moving media off SFU nodes that drain or are lost (docs/signaling.md,
/// "Migration"), make-before-break:
///
/// 1. a node leaves (``NodeWatcher``, or its `sfu.node-draining` event):
///    each session whose publication is on it picks a target node and
///    sends its client `migrate` (once per publisher transport);
/// 2. the client's `publish {replaces}` gets a new transport on the target
///    (``PublishDriver``); the room's `tracks` names the new node, and the
///    old node is told `sfu.retire-transport` (it keeps forwarding to the
///    old subscribers until they have moved);
/// 3. each subscriber's session sees that `tracks` event name another node
///    than its subscription's and sends its client `migrate`
///    (`publisher_moved`); the client subscribes anew, then unsubscribes the
///    old transport.
///
/// The decisions are ``MigrationFlow``'s; this driver does the I/O.
struct MigrationDriver {
    let session: any SessionContext

    /// Leaving nodes: migrate this socket's publication if it is on one and
    /// the client was not told yet. With no node to go to, it waits for the
    /// next notice (the watcher sends one every round while nodes are leaving).
    func handle(_ notice: NodeNotice) async {
        guard self.session.isJoined, let publication = self.session.record.publication else { return }
        switch self.session.migration.nodesLeaving(notice.departed, nowMs: notice.nowMs, publication: publication) {
        case .none:
            return
        case .dropPublication(let publication):
            await self.dropLostPublication(publication)
        case .place(let excluding, let reason):
            let services = self.session.services
            let target: SFUNodeRecord
            do throws(SFUFailure) {
                if let records = notice.records {
                    target = try services.sfu.place(
                        from: records, nowMs: notice.nowMs, excluding: excluding, region: self.session.placementRegion(nil),
                        countFailure: false)
                } else {
                    target = try await services.sfu.place(hint: nil, excluding: excluding, region: self.session.placementRegion(nil))
                }
            } catch {
                if self.session.migration.placementFailed(for: publication) {
                    self.session.logger.warning(
                        "no SFU node to migrate the publication to; waiting",
                        metadata: ["sfu.node": "\(publication.nodeId)", "transport": "\(publication.transportId)", "error": "\(error)"])
                }
                return
            }
            let instruction = self.session.migration.placed(target.id, for: publication, reason: reason, nowMs: notice.nowMs)
            services.metrics.migration(reason, publisher: true)
            self.session.logger.notice(
                "migrate publication",
                metadata: [
                    "reason": "\(reason.rawValue)", "sfu.node": "\(publication.nodeId)", "transport": "\(publication.transportId)",
                    "sfu.target": "\(target.id)",
                ])
            await self.session.reply(nil, .migrate(instruction))
        }
    }

    /// The publication sits on a lost node and its client did not move it:
    /// forget it as if the node had closed it (nothing to close there).
    private func dropLostPublication(_ publication: PublicationRecord) async {
        do {
            guard try await self.session.store({ $0.publication = nil }) else { return }
            try await self.session.services.participants.markPublishing(participantId: self.session.identity.participantId, nodeId: nil)
            self.session.logger.notice(
                "publication dropped: its node is lost and the client did not move it",
                metadata: ["sfu.node": "\(publication.nodeId)", "transport": "\(publication.transportId)"])
            try await self.session.tellRoomNoTracks()
        } catch {
            self.session.logger.warning("could not drop a publication on a lost node", metadata: ["error": "\(error)"])
        }
    }

    /// After a successful `publish {replaces}`: the old node stops taking
    /// the old transport's media once its subscribers have moved
    /// (`sfu.retire-transport`). A lost node is not waited for.
    func retire(_ old: PublicationRecord, replacedBy transportId: String, on nodeId: String) async {
        let retirement = self.session.migration.replaced(old)
        self.session.logger.notice(
            "publication migrated",
            metadata: [
                "reason": "\(retirement.reason?.rawValue ?? "client")", "sfu.node": "\(old.nodeId)", "transport": "\(old.transportId)",
                "sfu.target": "\(nodeId)", "transport.new": "\(transportId)",
            ])
        let request = RetireTransportRequest(transportId: retirement.transportId)
        let sfu = self.session.services.sfu
        if retirement.detached {
            sfu.detached.start { await sfu.bestEffort(SFUControlType.retireTransport, request, node: retirement.nodeId) }
        } else {
            await sfu.bestEffort(SFUControlType.retireTransport, request, node: retirement.nodeId)
        }
    }

    /// A `tracks` event of the room (already forwarded to the client): tells
    /// the client to move each subscription its publisher left.
    func tracksChanged(_ event: TracksEvent) async {
        let instructions = self.session.migration.tracksMoved(event, subscriptions: self.session.record.subscriptions ?? [])
        await self.send(instructions)
    }

    /// After a resume: publishers that moved while this socket was away.
    func resumed(with snapshot: RoomSnapshot) async {
        let instructions = self.session.migration.resumed(with: snapshot, subscriptions: self.session.record.subscriptions ?? [])
        await self.send(instructions)
    }

    private func send(_ instructions: [MigrateInstruction]) async {
        for instruction in instructions {
            self.session.services.metrics.migration(.publisherMoved, publisher: false)
            self.session.logger.info(
                "migrate subscription",
                metadata: [
                    "publisher.id": "\(instruction.publisherParticipantId.map { "\($0)" } ?? "")", "sfu.node": "\(instruction.nodeId)",
                    "transport": "\(instruction.transportId)", "sfu.target": "\(instruction.targetNodeId ?? "")",
                ])
            await self.session.reply(nil, .migrate(instruction))
        }
    }
}
