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
///
/// **Batched and bounded** (issue #21): the cut is grouped by transport
/// (``BreakoutRemoval``), one SFU request per transport, a per-node
/// connection's publishers all in one `sfu.remove-subscription`
/// (``BreakoutRemover``); up to ``concurrency`` requests run at once, each
/// bounded by the gateway's timeout. The socket's record is then written
/// to presence once, and the client told of each closed transport.
///
/// It runs in the session's task, on purpose: nothing else of the socket
/// (its own `subscribe`/`unsubscribe`, a migration) can interleave with
/// the record it rewrites. The socket's other messages wait meanwhile, but
/// only for ⌈transports / ``concurrency``⌉ rounds of one request each
/// (plus a close after a failure): a socket has one per-node connection
/// per node, so a scope change in a 200-person meeting is one round, not
/// the ~180 sequential round trips (and ~180 presence writes) of one
/// request per publisher. A slow node no longer holds up the other nodes'
/// removals; the whole waits for the slowest request of each round, at
/// most 2 × `MEET_WS_SFU_TIMEOUT_MS`. (Transports of their own, one per
/// publisher, still need one `sfu.close-transport` each: 8 at a time.)
struct BreakoutSubscriptions {
    let session: any SessionContext
    /// The most SFU requests one socket's removal runs at once.
    var concurrency = Self.concurrency

    /// The `reason` of the `subscription-closed` it sends.
    static let reason = "breakout_scope"
    /// Requests at once per socket: a few nodes' connections in one round,
    /// without one socket taking much of the gateway's shared
    /// `MEET_WS_SFU_MAX_IN_FLIGHT`.
    static let concurrency = 8

    func closeOutOfScope() async {
        guard !self.session.identity.isRecorder else { return }
        let removals = BreakoutRemoval.grouping(self.session.breakout.outOfScope(self.session.record.subscriptions ?? []))
        guard !removals.isEmpty else { return }
        let started = ContinuousClock.now
        let remover = BreakoutRemover(sfu: self.session.services.sfu, participantId: self.session.sfuParticipantId)
        let outcomes = await BoundedWork.run(removals, limit: self.concurrency) { await remover.perform($0) }

        // One rewrite of the record (and one presence write) for the whole cut.
        var closed: [BreakoutRemoval] = []
        let subscriptions = SubscribeDriver(session: self.session)
        for (removal, outcome) in zip(removals, outcomes) {
            switch outcome {
            case .takenOff:
                for publisher in removal.publishers { subscriptions.drop(publisher, on: removal.transportId) }
            case .closed:
                subscriptions.drop(removal.transportId)
                closed.append(removal)
            }
        }
        do {
            _ = try await self.session.services.presence.replace(meetingId: self.session.identity.meetingId, record: self.session.record)
        } catch {
            self.session.logger.warning(
                "closed subscriptions out of the breakout room; presence not updated", metadata: ["error": "\(error)"])
        }
        for removal in closed { await self.tell(removal) }
        let elapsed = ContinuousClock.now - started
        self.session.logger.info(
            "closed subscriptions out of the breakout room",
            metadata: [
                "count": "\(removals.reduce(0) { $0 + $1.publishers.count })", "transports": "\(removals.count)",
                "closed": "\(closed.count)", "ms": "\(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)",
            ])
        await VideoSelectionDriver(session: self.session).subscriptionsChanged()
    }

    private func tell(_ removal: BreakoutRemoval) async {
        guard self.session.isJoined, let publisher = removal.publishers.first else { return }
        await self.session.reply(
            nil,
            .subscriptionClosed(SubscriptionClosed(transportId: removal.transportId, publisherParticipantId: publisher, reason: Self.reason)))
    }
}
