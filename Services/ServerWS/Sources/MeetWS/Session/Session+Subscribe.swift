import Foundation
import MeetProtocol

/// `subscribe`, `subscribe-answer`, `unsubscribe`: subscriber transports,
/// each on its publisher's node (the client connects there directly).
/// The socket owns the transports it created; they are listed in its
/// presence record, so a resumed socket still owns them.
extension Session {
    /// `subscribe`: asks the publisher's node for a subscriber transport
    /// (or a new offer on one this socket owns) and relays its offer.
    func subscribe(_ id: String?, _ request: SubscribeRequest) async throws {
        let publisherId = request.participantId
        let key = PresenceKey(meetingId: self.identity.meetingId, participantId: publisherId)
        guard let target = try await self.services.presence.get(key), target.status == .joined,
            let publication = target.publication
        else {
            self.services.metrics.subscribed(ok: false)
            return await self.fail(id, .notFound, "that participant publishes nothing in this room")
        }
        let subscription: SubscriptionRecord
        let reply: CreateSubscriberReply
        do throws(SFUFailure) {
            if let transportId = request.transportId {
                guard let existing = self.subscription(transportId), existing.publisherParticipantId == publisherId else {
                    self.services.metrics.subscribed(ok: false)
                    return await self.fail(id, .notFound, "no such subscription on this connection")
                }
                subscription = existing
                reply = try await self.services.sfu.call(
                    SFUControlType.renegotiateSubscriber,
                    RenegotiateSubscriberRequest(transportId: transportId, iceRestart: request.iceRestart ?? false),
                    node: existing.nodeId, as: CreateSubscriberReply.self)
            } else {
                reply = try await self.services.sfu.call(
                    SFUControlType.createSubscriber,
                    CreateSubscriberRequest(participantId: self.sfuParticipantId, publisherParticipantId: publisherId.uuidString.lowercased()),
                    node: publication.nodeId, as: CreateSubscriberReply.self)
                subscription = SubscriptionRecord(
                    transportId: reply.transportId, nodeId: publication.nodeId, address: publication.address,
                    publisherParticipantId: publisherId)
            }
        } catch {
            self.services.metrics.subscribed(ok: false)
            if let transportId = request.transportId, error.remoteCode == .unknownTransport {
                try await self.forgetSubscription(transportId)
            }
            return await self.fail(id, error.signalingError)
        }
        var updated = self.record
        var list = (updated.subscriptions ?? []).filter { $0.transportId != subscription.transportId }
        list.append(subscription)
        updated.subscriptions = list
        guard try await self.services.presence.replace(meetingId: self.identity.meetingId, record: updated) else {
            await self.closeTransport(subscription.transportId, on: subscription.nodeId)
            self.services.metrics.subscribed(ok: false)
            return await self.fail(id, .notFound, "you are no longer in this room")
        }
        self.record = updated
        self.services.metrics.subscribed(ok: true)
        let tracks = reply.tracks.map { TrackInfo($0, participantId: publisherId, nodeId: subscription.nodeId) }
        await self.reply(
            id,
            .subscription(
                SubscriptionOffer(
                    transportId: reply.transportId, publisherParticipantId: publisherId, nodeId: subscription.nodeId,
                    address: subscription.address, offer: reply.offer, tracks: tracks)))
    }

    /// `subscribe-answer`: relays the client's answer to the node holding the transport.
    func subscribeAnswer(_ id: String?, _ answer: SubscribeAnswer) async throws {
        guard let subscription = self.subscription(answer.transportId) else {
            return await self.fail(id, .notFound, "no such subscription on this connection")
        }
        do throws(SFUFailure) {
            _ = try await self.services.sfu.call(
                SFUControlType.subscriberAnswer, SubscriberAnswerRequest(transportId: answer.transportId, answer: answer.answer),
                node: subscription.nodeId, as: SFUCloseReply.self)
        } catch {
            if error.remoteCode == .unknownTransport { try await self.forgetSubscription(answer.transportId) }
            return await self.fail(id, error.signalingError)
        }
        await self.reply(id, .ack(AckData()))
    }

    /// `unsubscribe`: closes one of this socket's subscriber transports (a
    /// lost node's is not waited for: the `ack` comes at once).
    func unsubscribe(_ id: String?, _ request: UnsubscribeRequest) async throws {
        guard let subscription = self.subscription(request.transportId) else {
            return await self.fail(id, .notFound, "no such subscription on this connection")
        }
        await self.closeTransport(subscription.transportId, on: subscription.nodeId)
        try await self.forgetSubscription(subscription.transportId)
        await self.reply(id, .ack(AckData()))
    }

    func subscription(_ transportId: String) -> SubscriptionRecord? {
        self.record.subscriptions?.first { $0.transportId == transportId }
    }

    /// Drops a subscription from this socket's record (and presence).
    func forgetSubscription(_ transportId: String) async throws {
        self.migratedSubscriptions.remove(transportId)
        var updated = self.record
        let remaining = (updated.subscriptions ?? []).filter { $0.transportId != transportId }
        // Stored as absent rather than `[]`: Redis's Lua cjson would rewrite `[]` as `{}`.
        updated.subscriptions = remaining.isEmpty ? nil : remaining
        self.record = updated
        _ = try await self.services.presence.replace(meetingId: self.identity.meetingId, record: updated)
    }
}
