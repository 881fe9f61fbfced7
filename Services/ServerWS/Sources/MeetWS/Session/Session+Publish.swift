import Foundation
import MeetProtocol

/// `publish` and `unpublish`: placing a participant's publisher transport
/// on an SFU node and keeping the room's view of its tracks current.
extension Session {
    /// The participant's id as the SFU contract carries it (lower-case UUID).
    var sfuParticipantId: String { self.identity.participantId.uuidString.lowercased() }

    /// `publish`: a first offer is placed on the least-loaded serving node
    /// (one retry elsewhere when that node drains or is gone); a later offer
    /// renegotiates the same transport on the same node; an offer that
    /// `replaces` the current transport (after a `migrate`) gets a new
    /// transport on another node (Session+Migrate.swift). On success the
    /// client gets `published` and the room a `tracks` event.
    func publish(_ id: String?, _ request: PublishRequest) async throws {
        let previous = self.record.publication
        if let replaces = request.replaces, previous?.transportId != replaces {
            self.services.metrics.published(ok: false)
            return await self.fail(
                id, .badRequest, "replaces: \(replaces) is not your current publisher transport (publish without replaces)")
        }
        let migrating = request.replaces == nil ? nil : previous
        let outcome: (nodeId: String, address: NodeAddress, reply: CreatePublisherReply)
        do throws(SFUFailure) {
            if let migrating {
                // A new transport: where `migrate` said (or a hint, when hints are on)
                // while that node serves, never on the node being left.
                var fresh = request
                fresh.nodeId = nil
                let hint = self.services.configuration.placementHints ? request.nodeId : nil
                outcome = try await self.createPublisher(
                    fresh, preferring: hint ?? self.migrationTarget(for: migrating), excluding: [migrating.nodeId])
            } else if let previous {
                outcome = try await self.renegotiatePublisher(previous, request)
            } else {
                outcome = try await self.createPublisher(request)
            }
        } catch {
            self.services.metrics.published(ok: false)
            return await self.fail(id, error.signalingError)
        }
        let participantId = self.identity.participantId
        let tracks = outcome.reply.tracks.map { TrackInfo($0, participantId: participantId, nodeId: outcome.nodeId) }
        var updated = self.record
        updated.publication = PublicationRecord(
            nodeId: outcome.nodeId, transportId: outcome.reply.transportId, address: outcome.address, tracks: tracks)
        guard try await self.services.presence.replace(meetingId: self.identity.meetingId, record: updated) else {
            // Removed from the room meanwhile (kicked): leave nothing behind on the node.
            await self.closeTransport(outcome.reply.transportId, on: outcome.nodeId)
            self.services.metrics.published(ok: false)
            return await self.fail(id, .notFound, "you are no longer in this room")
        }
        self.record = updated
        if previous?.nodeId != outcome.nodeId {
            try await self.services.participants.markPublishing(participantId: participantId, nodeId: outcome.nodeId)
        }
        self.services.metrics.published(ok: true)
        self.logger.info(
            "published", metadata: ["sfu.node": "\(outcome.nodeId)", "transport": "\(outcome.reply.transportId)", "tracks": "\(tracks.count)"])
        await self.reply(
            id,
            .published(
                Published(
                    transportId: outcome.reply.transportId, nodeId: outcome.nodeId, address: outcome.address,
                    answer: outcome.reply.answer, tracks: tracks)))
        try await self.services.publish(
            .tracks(TracksEvent(participantId: participantId, nodeId: outcome.nodeId, tracks: tracks)),
            meetingId: self.identity.meetingId, audience: .participants)
        if let migrating { await self.retire(migrating, replacedBy: outcome.reply.transportId, on: outcome.nodeId) }
    }

    /// A new publisher transport on a node chosen by placement (`preferred`
    /// while it serves: a migration's target; never one in `excluding`).
    private func createPublisher(
        _ request: PublishRequest, preferring preferred: String? = nil, excluding initial: Set<String> = []
    ) async throws(SFUFailure) -> (nodeId: String, address: NodeAddress, reply: CreatePublisherReply) {
        var excluding = initial
        while true {
            // The hint names one node; a retry goes elsewhere, so it drops the hint.
            let first = excluding == initial
            let node = try await self.services.sfu.place(
                hint: first && preferred == nil ? request.nodeId : nil, excluding: excluding,
                preferring: first ? preferred : nil)
            let body = CreatePublisherRequest(
                participantId: self.sfuParticipantId, roomId: self.identity.meetingId.uuidString.lowercased(),
                offer: request.offer, sources: Self.sfuSources(request.sources))
            do throws(SFUFailure) {
                let reply = try await self.services.sfu.call(
                    SFUControlType.createPublisher, body, node: node.id, as: CreatePublisherReply.self)
                return (node.id, NodeAddress(ip: node.publicIP, port: node.udpPort), reply)
            } catch {
                let gone = if case .noResponder = error { true } else { false }
                guard first, gone || error.remoteCode == .draining else { throw error }
                self.services.metrics.placementFailed(reason: gone ? "node_gone" : "node_draining")
                self.logger.notice("placement retry", metadata: ["sfu.node": "\(node.id)", "error": "\(error)"])
                excluding.insert(node.id)
            }
        }
    }

    /// A new offer on the existing transport; when the node no longer has
    /// it (or is gone), a fresh placement instead.
    private func renegotiatePublisher(
        _ current: PublicationRecord, _ request: PublishRequest
    ) async throws(SFUFailure) -> (nodeId: String, address: NodeAddress, reply: CreatePublisherReply) {
        let body = RenegotiatePublisherRequest(
            transportId: current.transportId, offer: request.offer, sources: Self.sfuSources(request.sources))
        do throws(SFUFailure) {
            let reply = try await self.services.sfu.call(
                SFUControlType.renegotiatePublisher, body, node: current.nodeId, as: CreatePublisherReply.self)
            return (current.nodeId, current.address, reply)
        } catch {
            let gone = if case .noResponder = error { true } else { false }
            guard gone || error.remoteCode == .unknownTransport else { throw error }
            self.logger.notice("publisher transport gone; placing afresh", metadata: ["sfu.node": "\(current.nodeId)"])
            return try await self.createPublisher(
                PublishRequest(offer: request.offer, sources: request.sources), excluding: gone ? [current.nodeId] : [])
        }
    }

    /// `unpublish`: closes the publisher transport (its subscribers' too,
    /// on the node); the room gets `tracks: []`. Idempotent.
    func unpublish(_ id: String?) async throws {
        self.pendingMigration = nil
        guard let publication = self.record.publication else { return await self.reply(id, .ack(AckData())) }
        await self.closeTransport(publication.transportId, on: publication.nodeId)
        var updated = self.record
        updated.publication = nil
        guard try await self.services.presence.replace(meetingId: self.identity.meetingId, record: updated) else {
            return await self.fail(id, .notFound, "you are no longer in this room")
        }
        self.record = updated
        try await self.services.participants.markPublishing(participantId: self.identity.participantId, nodeId: nil)
        await self.reply(id, .ack(AckData()))
        try await self.services.publish(
            .tracks(TracksEvent(participantId: self.identity.participantId, nodeId: nil, tracks: [])),
            meetingId: self.identity.meetingId, audience: .participants)
    }

    /// `sfu.close-transport`, best effort: a node that is gone or no longer
    /// has the transport has nothing to close.
    /// A node that is lost or missing from the registry is not waited for.
    func closeTransport(_ transportId: String, on nodeId: String) async {
        await self.services.sfu.bestEffort(SFUControlType.closeTransport, CloseTransportRequest(transportId: transportId), node: nodeId)
    }

    static func sfuSources(_ sources: [String: MediaKind]?) -> [String: SFUTrackSource]? {
        sources?.mapValues(\.source)
    }

    func fail(_ id: String?, _ error: SignalingError) async {
        await self.send(ServerEnvelope(id: id, .error(error)))
    }
}
