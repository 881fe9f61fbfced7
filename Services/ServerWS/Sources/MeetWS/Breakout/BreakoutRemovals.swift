import Foundation
import Logging
import MeetProtocol

/// Everything a breakout scope change cuts on one transport: the unit of
/// one SFU request (``BreakoutRemover``). A per-node connection carrying
/// several people now in other rooms is one removal naming them all; a
/// subscriber transport of its own is one removal of its one publisher.
struct BreakoutRemoval: Sendable, Equatable {
    var transportId: String
    var nodeId: String
    var perNode: Bool
    /// The publishers cut, in the record's order (one for a transport of its own).
    var publishers: [UUID]

    /// `cut` grouped by transport, in the order each transport first appears.
    static func grouping(_ cut: [SubscriptionRecord]) -> [BreakoutRemoval] {
        var removals: [BreakoutRemoval] = []
        var index: [String: Int] = [:]
        for subscription in cut {
            if let at = index[subscription.transportId] {
                if !removals[at].publishers.contains(subscription.publisherParticipantId) {
                    removals[at].publishers.append(subscription.publisherParticipantId)
                }
                continue
            }
            index[subscription.transportId] = removals.count
            removals.append(BreakoutRemoval(
                transportId: subscription.transportId, nodeId: subscription.nodeId, perNode: subscription.perNode == true,
                publishers: [subscription.publisherParticipantId]))
        }
        return removals
    }

    /// What became of a removal.
    enum Outcome: Sendable, Equatable {
        /// The publishers are off the connection; the others on it go on.
        case takenOff
        /// The transport is gone: closed here, closed by its node once
        /// empty, or closed because the removal failed. The socket forgets
        /// it and the client gets `subscription-closed`.
        case closed
    }
}

/// Performs ``BreakoutRemoval``s against the nodes, off the session's
/// state (it only needs the gateway), so several run at once:
///
/// - a transport of its own: `sfu.close-transport` (best effort), closed;
/// - a per-node connection: one `sfu.remove-subscription` with `reoffer:
///   false` naming every publisher cut (the batched form,
///   ``RemoveSubscriptionRequest/publisherParticipantIds``). A node older
///   than the batched form answers without `removed`, having taken off the
///   first publisher only: the rest follow one request each.
/// - the safety rule: a removal the node refuses, or that fails or times
///   out (the gateway's `MEET_WS_SFU_TIMEOUT_MS`), closes the whole
///   connection (what it carries can no longer be vouched for, and media
///   must never cross rooms); a node that no longer knows the connection
///   has nothing to close. A node already lost is not waited for.
/// - this replica's bound on requests in flight (`MEET_WS_SFU_MAX_IN_FLIGHT`,
///   ``SFUFailure/saturated``: nothing was sent) is waited out, a removal
///   and a safety close alike, up to ``saturationWait``: a scope change of a
///   large meeting sends many at once, and a request that never left must
///   not count as done. Past that wait the connection is reported closed
///   as before (the client drops it; the node closes it at its own ICE
///   timeout once the client is gone), and the give-up is logged.
/// - more publishers than ``RemoveSubscriptionRequest/maximumBatch`` go in
///   several requests.
struct BreakoutRemover: Sendable {
    let sfu: SFUGateway
    /// The subscriber, as the SFU contract names it (lower-case UUID).
    let participantId: String
    /// How long a request refused by this replica's in-flight bound is retried.
    static let saturationWait = Duration.seconds(10)
    /// The pause between such retries.
    static let saturationRetry = Duration.milliseconds(50)

    func perform(_ removal: BreakoutRemoval) async -> BreakoutRemoval.Outcome {
        guard removal.perNode else {
            await self.closeTransport(removal)
            return .closed
        }
        var remaining = removal.publishers.map { $0.uuidString.lowercased() }
        if self.sfu.departures.isUnreachable(removal.nodeId) {
            // A lost node carries nothing any more; the client moves (or drops) the rest.
            await self.sfu.bestEffort(SFUControlType.removeSubscription, self.request(removal, remaining), node: removal.nodeId)
            return .takenOff
        }
        while !remaining.isEmpty {
            let batch = Array(remaining.prefix(RemoveSubscriptionRequest.maximumBatch))
            do throws(SFUFailure) {
                let reply = try await self.patiently { () async throws(SFUFailure) -> RemoveSubscriptionReply in
                    try await self.sfu.call(
                        SFUControlType.removeSubscription, self.request(removal, batch), node: removal.nodeId,
                        as: RemoveSubscriptionReply.self)
                }
                if reply.isClosed { return .closed }
                // Without `removed` (the single form, or an older node) only the first is off.
                remaining = Array(remaining.dropFirst(reply.removed == nil ? 1 : batch.count))
            } catch {
                if error.remoteCode != .unknownTransport { await self.closeTransport(removal) }
                return .closed
            }
        }
        return .takenOff
    }

    private func request(_ removal: BreakoutRemoval, _ publishers: [String]) -> RemoveSubscriptionRequest {
        RemoveSubscriptionRequest(
            transportId: removal.transportId, publishers: publishers, participantId: self.participantId, reoffer: false)
    }

    /// `sfu.close-transport`, retried while this replica's in-flight bound refuses it; other failures only logged.
    private func closeTransport(_ removal: BreakoutRemoval) async {
        let close = CloseTransportRequest(transportId: removal.transportId)
        guard !self.sfu.departures.isUnreachable(removal.nodeId) else {
            return await self.sfu.bestEffort(SFUControlType.closeTransport, close, node: removal.nodeId)
        }
        do throws(SFUFailure) {
            _ = try await self.patiently { () async throws(SFUFailure) -> SFUCloseReply in
                try await self.sfu.call(SFUControlType.closeTransport, close, node: removal.nodeId, as: SFUCloseReply.self)
            }
        } catch {
            if error == .saturated {
                self.sfu.logger.warning(
                    "breakout: a connection could not be closed (requests in flight at their bound); its node closes it once the client is gone",
                    metadata: ["transport.id": "\(removal.transportId)", "sfu.node": "\(removal.nodeId)"])
            }
        }
    }

    /// `request`, tried again every ``saturationRetry`` while it fails with
    /// ``SFUFailure/saturated``, for at most ``saturationWait``.
    private func patiently<Reply: Sendable>(
        _ request: @Sendable () async throws(SFUFailure) -> Reply
    ) async throws(SFUFailure) -> Reply {
        let deadline = ContinuousClock.now + Self.saturationWait
        while true {
            do throws(SFUFailure) {
                return try await request()
            } catch .saturated where ContinuousClock.now < deadline {
                guard (try? await Task.sleep(for: Self.saturationRetry)) != nil else { throw .saturated }
            }
        }
    }
}

/// Runs `work` over `jobs` with at most `limit` at once, starting them in
/// order; the outputs come back in the jobs' order.
enum BoundedWork {
    static func run<Job: Sendable, Output: Sendable>(
        _ jobs: [Job], limit: Int, _ work: @escaping @Sendable (Job) async -> Output
    ) async -> [Output] {
        guard !jobs.isEmpty else { return [] }
        return await withTaskGroup(of: (Int, Output).self) { group in
            var outputs = [Output?](repeating: nil, count: jobs.count)
            var next = 0
            while next < jobs.count {
                // `limit` running: wait for one to end before starting another.
                if next >= max(1, limit), let done = await group.next() { outputs[done.0] = done.1 }
                let index = next
                next += 1
                group.addTask { (index, await work(jobs[index])) }
            }
            while let done = await group.next() { outputs[done.0] = done.1 }
            return outputs.compactMap { $0 }
        }
    }
}
