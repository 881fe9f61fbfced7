import Foundation
import Logging
import MeetProtocol

/// Applies the SFU nodes' `sfu.transport-closed` events (every replica
/// receives every event on ``SFUEventChannel/events``) so that each one is
/// acted on once, by the replica that holds the participant:
///
/// - a replica with the participant's session hands the event to it (the
///   session owns its presence record and tells its client or the room);
/// - for a publisher transport of a participant whose socket dropped (in
///   its resume grace), the replica named in the presence record clears the
///   publication and tells the room `tracks: []`; every other replica
///   ignores it;
/// - a subscriber transport of a dropped socket is left for the resumed
///   socket to find gone (its `subscribe-answer` or renegotiation then
///   answers `not_found`).
///
/// A node's `sfu.node-draining` marks it draining in ``NodeDepartures``
/// (each replica for itself, once) and tells the local sessions, which
/// migrate their publications off it; the node watcher would notice the
/// registry record's `draining` state a moment later anyway.
///
/// A node's `sfu.audio-levels` goes into the replica's
/// ``ActiveSpeakerRelay`` (every replica keeps the rooms it holds sessions of).
///
/// A node's `sfu.publisher-layers` (dynacast) goes to the publisher's local
/// session(s) as its `publisher-layers` event (``PublisherLayersRelay``).
struct SFUEventRouter: Sendable {
    let services: SignalingServices

    func handle(_ event: SFUEvent) async {
        switch event {
        case .transportClosed(let closed):
            await self.handle(closed)
        case .nodeDraining(let draining):
            let sfu = self.services.sfu
            let now = sfu.nowMs()
            guard let departure = sfu.departures.draining(draining.nodeId, nowMs: now) else { return }
            self.services.announce([departure])
            await self.services.notifySessionsOfDepartures(records: nil, nowMs: now)
        case .audioLevels(let levels):
            self.services.speakers.record(levels, nowMs: self.services.sfu.nowMs())
        case .publisherLayers(let layers):
            let now = self.services.sfu.nowMs()
            guard let input = PublisherLayersRelay.input(for: layers, replicaId: self.services.replicaId, nowMs: now)
            else { return }
            await self.services.hub.deliver(local: input)
        }
    }

    func handle(_ event: SFUTransportClosedEvent) async {
        if await self.services.hub.route(sfu: event) { return }
        guard event.role == .publisher, let meetingId = event.roomId.flatMap(UUID.init(uuidString:)),
            let participantId = UUID(uuidString: event.participantId)
        else { return }
        do {
            let key = PresenceKey(meetingId: meetingId, participantId: participantId)
            guard var record = try await self.services.presence.get(key), record.replicaId == self.services.replicaId,
                record.publication?.transportId == event.transportId
            else { return }
            record.publication = nil
            guard try await self.services.presence.replace(meetingId: meetingId, record: record) else { return }
            try await self.services.participants.markPublishing(participantId: participantId, nodeId: nil)
            try await self.services.publish(
                .tracks(TracksEvent(participantId: participantId, nodeId: nil, tracks: [])), meetingId: meetingId,
                audience: .participants)
        } catch {
            self.services.logger.warning("could not apply an SFU event", metadata: ["error": "\(error)"])
        }
    }
}
