import Foundation
import MeetProtocol

/// Last-N for one socket (#15 item 3, docs/signaling.md "Last-N"):
/// `video-preferences`, and the events that change what it resolves to (a
/// speaker change, a publisher starting or stopping video, a subscription
/// made, moved or closed). Runs ``VideoSelectionState``'s rounds: the
/// socket's connections whose selection changed go to their nodes through
/// ``VideoSelectionBatcher`` (one `sfu.set-video-selection` per node for all
/// the replica's sessions moved by the same event), and `video-selection`
/// to the client when its list changed. A socket that never sent `video-preferences` costs nothing here.
struct VideoSelectionDriver {
    let session: any SessionContext

    /// `video-preferences`: bounded (too many tiles is `bad_request`, nothing
    /// kept), stored, resolved; the reply is `video-selection`.
    func preferences(_ id: String?, _ request: VideoPreferencesRequest) async throws {
        let limits = self.session.services.configuration.video
        let preference: VideoPreference
        do {
            preference = try VideoPreference(request, maxTiles: limits.maxTiles, maxLimit: limits.maxLimit)
        } catch {
            return await self.session.fail(id, .badRequest, "video-preferences: at most \(limits.maxTiles) tiles")
        }
        if self.session.videoSelection.roster == nil {
            let records = try await self.session.services.presence.list(meetingId: self.session.identity.meetingId)
            self.session.videoSelection.roster = VideoRoster(
                tracks: records.filter { $0.status == .joined }.flatMap { $0.publication?.tracks ?? [] })
        }
        self.session.videoSelection.prefer(preference)
        await self.round(reply: id)
    }

    /// The room's `active-speakers` event.
    func speakersChanged(_ event: ActiveSpeakers) async {
        if self.session.videoSelection.speakersChanged(event) { await self.round() }
    }

    /// The room's `tracks` event: a publisher started, changed or stopped.
    func tracksChanged(_ event: TracksEvent) async {
        if self.session.videoSelection.tracksChanged(event) { await self.round() }
    }

    /// The socket's subscriptions may have changed (subscribed, answered,
    /// unsubscribed, a transport closed, a migration).
    func subscriptionsChanged() async {
        guard self.session.videoSelection.isActive else { return }
        await self.round()
    }

    /// One round: the changed selections to their nodes (one request per
    /// node; a failed one is sent whole next round), then the client's list.
    private func round(reply id: String? = nil) async {
        guard self.session.isJoined || id != nil else { return }
        let round = self.session.videoSelection.round(
            subscriber: self.session.identity.participantId, subscriptions: self.session.record.subscriptions ?? [],
            reply: id != nil)
        for (nodeId, selections) in round.requests.sorted(by: { $0.key < $1.key }) {
            // A lost node is not waited for; its connections close anyway.
            guard !self.session.services.sfu.departures.isUnreachable(nodeId) else {
                self.session.videoSelection.failed(selections)
                continue
            }
            // Batched with the other sessions' changes for this node (one request per round).
            if await !self.session.services.videoSelections.submit(selections, node: nodeId) {
                self.session.videoSelection.failed(selections)
            }
        }
        if let forwarding = round.forwarding { await self.session.reply(id, .videoSelection(forwarding)) }
    }
}
