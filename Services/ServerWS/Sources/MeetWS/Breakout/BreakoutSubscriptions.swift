import Foundation
import Logging
import MeetProtocol

/// Closes this socket's subscriptions to people a breakout plan put in
/// another room, server-side (docs/signaling.md, Breakout rooms), so that
/// no media crosses rooms whatever the client does:
///
/// - a subscriber transport of its own is closed on its node and the client
///   gets `subscription-closed` (`reason` `breakout_scope`);
/// - on a per-node connection the publisher is taken off without a
///   re-offer (``RemoveSubscriptionRequest/reoffer``): its media stops at
///   once and its sections go idle at the connection's next offer; the
///   connection's other publishers are untouched. A connection left with
///   nobody is closed by its node, and the client gets `subscription-closed`.
///
/// Runs after each `breakout-scope` this socket is sent and after a resume
/// (the plan may have changed while it was away). Either way the socket's
/// record forgets the subscription, so an `unsubscribe` or
/// `subscribe-answer` for it is `not_found`, and a new `subscribe` is
/// `forbidden` while the rooms keep the two apart.
struct BreakoutSubscriptions {
    let session: any SessionContext

    /// The `reason` of the `subscription-closed` it sends.
    static let reason = "breakout_scope"

    func closeOutOfScope() async {
        guard !self.session.identity.isRecorder else { return }
        let cut = self.session.breakout.outOfScope(self.session.record.subscriptions ?? [])
        guard !cut.isEmpty else { return }
        for subscription in cut {
            do {
                if subscription.perNode == true {
                    try await self.takeOff(subscription)
                } else {
                    try await self.close(subscription)
                }
            } catch {
                self.session.logger.warning(
                    "could not close a subscription out of the breakout room",
                    metadata: ["transport": "\(subscription.transportId)", "error": "\(error)"])
            }
        }
        self.session.logger.info("closed subscriptions out of the breakout room", metadata: ["count": "\(cut.count)"])
        await VideoSelectionDriver(session: self.session).subscriptionsChanged()
    }

    /// A transport of its own: closed on its node, and the client told.
    private func close(_ subscription: SubscriptionRecord) async throws {
        await self.session.closeTransport(subscription.transportId, on: subscription.nodeId)
        try await SubscribeDriver(session: self.session).forget(subscription.transportId)
        await self.tell(subscription)
    }

    /// One publisher off a per-node connection, without a re-offer. A node
    /// that cannot be reached (or refuses) gets the whole connection closed
    /// instead: what it carries can no longer be vouched for.
    private func takeOff(_ subscription: SubscriptionRecord) async throws {
        // Taken off already when the connection closed for an earlier publisher.
        guard self.session.record.subscriptions?.contains(where: { SubscribeFlow.same($0, subscription) }) == true else { return }
        let sfu = self.session.services.sfu
        let body = RemoveSubscriptionRequest(
            transportId: subscription.transportId, publisherParticipantId: subscription.publisherParticipantId.uuidString.lowercased(),
            participantId: self.session.sfuParticipantId, reoffer: false)
        if sfu.departures.isUnreachable(subscription.nodeId) {
            // A lost node carries nothing any more; the client moves (or drops) the rest.
            await sfu.bestEffort(SFUControlType.removeSubscription, body, node: subscription.nodeId)
            return try await SubscribeDriver(session: self.session).forget(subscription.publisherParticipantId, on: subscription.transportId)
        }
        let result = await self.session.ask(
            SFUControlType.removeSubscription, body, node: subscription.nodeId, as: RemoveSubscriptionReply.self)
        switch result {
        case .success(let reply) where !reply.isClosed:
            try await SubscribeDriver(session: self.session).forget(subscription.publisherParticipantId, on: subscription.transportId)
        case .success:
            try await SubscribeDriver(session: self.session).forget(subscription.transportId)
            await self.tell(subscription)
        case .failure(let error):
            if error.remoteCode != .unknownTransport {
                await self.session.closeTransport(subscription.transportId, on: subscription.nodeId)
            }
            try await SubscribeDriver(session: self.session).forget(subscription.transportId)
            await self.tell(subscription)
        }
    }

    private func tell(_ subscription: SubscriptionRecord) async {
        guard self.session.isJoined else { return }
        await self.session.reply(
            nil,
            .subscriptionClosed(SubscriptionClosed(
                transportId: subscription.transportId, publisherParticipantId: subscription.publisherParticipantId,
                reason: Self.reason)))
    }
}
