import Foundation
import Logging
import MeetProtocol

/// `publish` and `unpublish`, hard mute as the target lives it, and the
/// node closing the publisher transport: placing a participant's publisher
/// transport on an SFU node and keeping the room's view of its tracks
/// current. Runs ``PublishFlow``'s actions against the SFU nodes, presence
/// and the bus.
///
/// A host's `mute` (``HostControlDriver``) has the node stop forwarding the
/// target's tracks of that kind; the target's session marks them muted and
/// tells the room (`tracks`). Only the target lifts it, by turning that
/// kind on again with `media`; hosts cannot force anyone's media on.
struct PublishDriver {
    let session: any SessionContext

    /// `publish`: on success the client gets `published` and the room a
    /// `tracks` event; a migrated-from transport is then retired.
    func publish(_ id: String?, _ request: PublishRequest) async throws {
        let services = self.session.services
        var flow = PublishFlow(
            participantId: self.session.identity.participantId, meetingId: self.session.identity.meetingId, request: request,
            current: self.session.record.publication, placementHints: services.configuration.placementHints)
        let migration = self.session.migration
        var action = flow.start(migrationTarget: { migration.target(for: $0) })
        var lastNode: String?
        while true {
            switch action {
            case .fail(let error):
                services.metrics.published(ok: false)
                return await self.session.fail(id, error)
            case .place(let hint, let preferring, let excluding, let retrying):
                if let retrying, let lastNode {
                    services.metrics.placementFailed(reason: retrying)
                    self.session.logger.notice("placement retry", metadata: ["sfu.node": "\(lastNode)", "reason": "\(retrying)"])
                }
                do throws(SFUFailure) {
                    action = flow.placed(
                        try await services.sfu.place(
                            hint: hint, excluding: excluding, preferring: preferring, region: self.session.placementRegion(request)))
                } catch {
                    action = flow.failed(error)
                }
            case .create(let body, let node):
                lastNode = node.id
                action = flow.answered(
                    await self.session.ask(SFUControlType.createPublisher, body, node: node.id, as: CreatePublisherReply.self))
            case .renegotiate(let body, let nodeId):
                action = flow.answered(
                    await self.session.ask(SFUControlType.renegotiatePublisher, body, node: nodeId, as: CreatePublisherReply.self))
                if case .place = action {
                    self.session.logger.notice("publisher transport gone; placing afresh", metadata: ["sfu.node": "\(nodeId)"])
                }
            case .store(let publication):
                action = flow.stored(try await self.session.store { $0.publication = publication })
            case .abandon(let transportId, let nodeId):
                // Removed from the room meanwhile (kicked): leave nothing behind on the node.
                await self.session.closeTransport(transportId, on: nodeId)
                action = flow.abandoned()
            case .commit(let commit):
                return try await self.commit(id, commit)
            }
        }
    }

    private func commit(_ id: String?, _ commit: PublishFlow.Commit) async throws {
        let services = self.session.services
        let publication = commit.publication
        if commit.nodeChanged {
            try await services.participants.markPublishing(participantId: self.session.identity.participantId, nodeId: publication.nodeId)
        }
        services.metrics.published(ok: true)
        self.session.logger.info(
            "published",
            metadata: ["sfu.node": "\(publication.nodeId)", "transport": "\(publication.transportId)", "tracks": "\(publication.tracks.count)"])
        await self.session.reply(
            id,
            .published(
                Published(
                    transportId: publication.transportId, nodeId: publication.nodeId, address: publication.address,
                    answer: commit.answer, tracks: publication.tracks)))
        try await self.session.tellRoom(
            .tracks(TracksEvent(participantId: self.session.identity.participantId, nodeId: publication.nodeId, tracks: publication.tracks)),
            audience: .participants)
        if let replaced = commit.replaced {
            await MigrationDriver(session: self.session).retire(replaced, replacedBy: publication.transportId, on: publication.nodeId)
        }
    }

    /// `unpublish`: closes the publisher transport (its subscribers' too,
    /// on the node); the room gets `tracks: []`. Idempotent.
    func unpublish(_ id: String?) async throws {
        self.session.migration.unpublished()
        guard let publication = self.session.record.publication else { return await self.session.reply(id, .ack(AckData())) }
        await self.session.closeTransport(publication.transportId, on: publication.nodeId)
        guard try await self.session.store({ $0.publication = nil }) else {
            return await self.session.fail(id, .notFound, "you are no longer in this room")
        }
        try await self.session.services.participants.markPublishing(participantId: self.session.identity.participantId, nodeId: nil)
        await self.session.reply(id, .ack(AckData()))
        try await self.session.tellRoomNoTracks()
    }

    /// The node closed the publisher transport (by request, or on its own:
    /// ICE consent lost, node shutting down).
    func transportClosed(_ event: SFUTransportClosedEvent) async throws {
        guard let publication = self.session.record.publication, publication.transportId == event.transportId else { return }
        // Only the current owner of the entry speaks for it (a replaced socket does not).
        guard try await self.session.store({ $0.publication = nil }) else { return }
        self.session.logger.info("publisher transport closed by its node", metadata: ["reason": "\(event.reason)"])
        try await self.session.services.participants.markPublishing(participantId: self.session.identity.participantId, nodeId: nil)
        try await self.session.tellRoomNoTracks()
    }

    /// Target side of a host's `mute`: show the request and mark the tracks muted.
    func muted(kind: MediaKind, by host: UUID) async {
        guard self.session.isJoined else { return }
        await self.session.reply(nil, .muteRequested(MuteRequested(kind: kind, by: host)))
        await self.setTracksMuted(kind, muted: true)
    }

    /// After a `media` update: lift the hard mute of every kind turned on.
    func liftHardMutes(_ update: MediaUpdate) async {
        guard let publication = self.session.record.publication else { return }
        for kind in HardMute.lifted(by: update, in: publication) {
            do throws(SFUFailure) {
                _ = try await self.session.services.sfu.call(
                    SFUControlType.setMute, SetMuteRequest(participantId: self.session.sfuParticipantId, source: kind.source, muted: false),
                    node: publication.nodeId, as: SetMuteReply.self)
                await self.setTracksMuted(kind, muted: false)
            } catch {
                self.session.logger.warning("could not lift a hard mute", metadata: ["sfu.node": "\(publication.nodeId)", "error": "\(error)"])
            }
        }
    }

    /// Marks this participant's tracks of `kind` (un)muted; the room gets `tracks`.
    private func setTracksMuted(_ kind: MediaKind, muted: Bool) async {
        guard let publication = HardMute.marking(self.session.record.publication, kind, muted: muted) else { return }
        do {
            guard try await self.session.store({ $0.publication = publication }) else { return }
            try await self.session.tellRoom(
                .tracks(TracksEvent(participantId: self.session.identity.participantId, nodeId: publication.nodeId, tracks: publication.tracks)),
                audience: .participants)
        } catch {
            self.session.logger.warning("could not record a mute", metadata: ["error": "\(error)"])
        }
    }
}
