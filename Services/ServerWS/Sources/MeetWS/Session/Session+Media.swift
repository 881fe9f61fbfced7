import Foundation
import MeetProtocol

/// Hard mute and the SFU nodes' transport events, as they touch one socket.
///
/// A host's `mute` asks the target (`mute-requested`, as before) and, when
/// the target publishes a track of that kind, has the target's node stop
/// forwarding it (`sfu.set-mute`): the host's replica tells the node, the
/// target's session marks its tracks muted and tells the room (`tracks`).
/// Only the target lifts it, by turning that kind on again with `media`;
/// hosts cannot force anyone's media on.
extension Session {
    /// Host side of `mute`: enforce on the node, then tell the target.
    func mute(_ id: String?, _ command: MuteCommand) async throws {
        let key = PresenceKey(meetingId: self.identity.meetingId, participantId: command.participantId)
        guard let target = try await self.services.presence.get(key), target.status == .joined else {
            return await self.fail(id, .notFound, "no such participant in this room")
        }
        let kind = command.kind ?? .mic
        if let publication = target.publication, publication.tracks.contains(where: { $0.kind == kind }) {
            do throws(SFUFailure) {
                _ = try await self.services.sfu.call(
                    SFUControlType.setMute,
                    SetMuteRequest(participantId: command.participantId.uuidString.lowercased(), source: kind.source, muted: true),
                    node: publication.nodeId, as: SetMuteReply.self)
            } catch {
                // The request still reaches the target; the node could not enforce it.
                self.logger.warning("hard mute failed on the node", metadata: ["sfu.node": "\(publication.nodeId)", "error": "\(error)"])
            }
        }
        try await self.services.instruct(.mute, record: target, by: self.identity.participantId, kind: kind)
        await self.reply(id, .ack(AckData()))
    }

    /// Target side of `mute`: show the request and mark the tracks muted.
    func muted(kind: MediaKind, by host: UUID) async {
        guard self.machine.state == .joined else { return }
        await self.reply(nil, .muteRequested(MuteRequested(kind: kind, by: host)))
        await self.setTracksMuted(kind, muted: true)
    }

    /// After a `media` update: lift the hard mute of every kind turned on.
    func liftHardMutes(_ update: MediaUpdate) async {
        guard let publication = self.record.publication else { return }
        let changes: [(MediaKind, Bool?)] = [(.mic, update.mic), (.camera, update.camera), (.screen, update.screen)]
        let turnedOn = changes.compactMap { kind, on in on == true ? kind : nil }
        for kind in turnedOn where publication.tracks.contains(where: { $0.kind == kind && $0.muted }) {
            do throws(SFUFailure) {
                _ = try await self.services.sfu.call(
                    SFUControlType.setMute, SetMuteRequest(participantId: self.sfuParticipantId, source: kind.source, muted: false),
                    node: publication.nodeId, as: SetMuteReply.self)
                await self.setTracksMuted(kind, muted: false)
            } catch {
                self.logger.warning("could not lift a hard mute", metadata: ["sfu.node": "\(publication.nodeId)", "error": "\(error)"])
            }
        }
    }

    /// Marks this participant's tracks of `kind` (un)muted; the room gets `tracks`.
    private func setTracksMuted(_ kind: MediaKind, muted: Bool) async {
        guard var publication = self.record.publication,
            publication.tracks.contains(where: { $0.kind == kind && $0.muted != muted })
        else { return }
        for index in publication.tracks.indices where publication.tracks[index].kind == kind {
            publication.tracks[index].muted = muted
        }
        var updated = self.record
        updated.publication = publication
        do {
            guard try await self.services.presence.replace(meetingId: self.identity.meetingId, record: updated) else { return }
            self.record = updated
            try await self.services.publish(
                .tracks(TracksEvent(participantId: self.identity.participantId, nodeId: publication.nodeId, tracks: publication.tracks)),
                meetingId: self.identity.meetingId, audience: .participants)
        } catch {
            self.logger.warning("could not record a mute", metadata: ["error": "\(error)"])
        }
    }

    /// A node closed one of this participant's transports (by request, or
    /// on its own: ICE consent lost, publisher gone, node shutting down).
    func handle(sfu event: SFUTransportClosedEvent) async {
        do {
            switch event.role {
            case .publisher:
                guard let publication = self.record.publication, publication.transportId == event.transportId else { return }
                var updated = self.record
                updated.publication = nil
                // Only the current owner of the entry speaks for it (a replaced socket does not).
                guard try await self.services.presence.replace(meetingId: self.identity.meetingId, record: updated) else { return }
                self.record = updated
                self.logger.info("publisher transport closed by its node", metadata: ["reason": "\(event.reason)"])
                try await self.services.participants.markPublishing(participantId: self.identity.participantId, nodeId: nil)
                try await self.services.publish(
                    .tracks(TracksEvent(participantId: self.identity.participantId, nodeId: nil, tracks: [])),
                    meetingId: self.identity.meetingId, audience: .participants)
            case .subscriber:
                guard let subscription = self.subscription(event.transportId) else { return }
                try await self.forgetSubscription(event.transportId)
                guard self.machine.state == .joined else { return }
                await self.reply(
                    nil,
                    .subscriptionClosed(
                        SubscriptionClosed(
                            transportId: event.transportId, publisherParticipantId: subscription.publisherParticipantId,
                            reason: event.reason)))
            }
        } catch {
            self.logger.warning("could not apply an SFU event", metadata: ["error": "\(error)"])
        }
    }
}
