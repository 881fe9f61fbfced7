import Foundation
import MeetProtocol
import NIOConcurrencyHelpers

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
    /// The nodes' replies are not waited for: a slow node (up to the SFU
    /// timeout) must not hold the socket's other requests and events.
    private func round(reply id: String? = nil) async {
        guard self.session.isJoined || id != nil else { return }
        let unapplied = self.session.videoSelectionSender.take()
        if !unapplied.isEmpty { self.session.videoSelection.failed(unapplied) }
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
            let services = self.session.services
            self.session.videoSelectionSender.send(
                selections, node: nodeId, through: services.videoSelections, detached: services.sfu.detached)
        }
        if let forwarding = round.forwarding { await self.session.reply(id, .videoSelection(forwarding)) }
    }
}

/// Sends a session's selections to their nodes off the session's task, one
/// request at a time in order (a newer selection of a connection never
/// overtakes an older one), and hands what a node did not apply back to the
/// session's next round. Bounded: pending and failed hold one selection per
/// connection, the newest; a session holds a handful of node connections.
final class VideoSelectionSender: Sendable {
    private struct State {
        var pending: [String: [String: SFUVideoSelection]] = [:]
        var failed: [String: SFUVideoSelection] = [:]
        var sending = false
    }

    private let state = NIOLockedValueBox(State())

    /// Queues `selections` for `nodeId` (replacing older ones of the same
    /// connections) and starts the sender if it is idle.
    func send(_ selections: [SFUVideoSelection], node nodeId: String, through batcher: VideoSelectionBatcher, detached: DetachedWork) {
        let start = state.withLockedValue { state -> Bool in
            for selection in selections { state.pending[nodeId, default: [:]][selection.transportId] = selection }
            defer { state.sending = true }
            return !state.sending
        }
        guard start else { return }
        detached.start { await self.drain(batcher) }
    }

    private func drain(_ batcher: VideoSelectionBatcher) async {
        while true {
            let work = state.withLockedValue { state -> [String: [String: SFUVideoSelection]]? in
                guard !state.pending.isEmpty else {
                    state.sending = false
                    return nil
                }
                defer { state.pending.removeAll() }
                return state.pending
            }
            guard let work else { return }
            for (nodeId, selections) in work.sorted(by: { $0.key < $1.key }) {
                let batch = Array(selections.values)
                if await !batcher.submit(batch, node: nodeId) {
                    state.withLockedValue { state in
                        for selection in batch { state.failed[selection.transportId] = selection }
                    }
                }
            }
        }
    }

    /// What the nodes did not apply since the last call.
    func take() -> [SFUVideoSelection] {
        state.withLockedValue { state in
            defer { state.failed.removeAll() }
            return Array(state.failed.values)
        }
    }
}
