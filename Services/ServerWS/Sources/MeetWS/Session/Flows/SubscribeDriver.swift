import Foundation
import MeetProtocol

/// `subscribe`, `subscribe-answer`, `unsubscribe`, and the node closing a
/// subscriber transport: subscriber transports, each on its publisher's
/// node (the client connects there directly). Runs ``SubscribeFlow``'s
/// actions against the nodes and presence.
struct SubscribeDriver {
    let session: any SessionContext

    /// `subscribe`: asks the publisher's node for a subscriber transport
    /// (or a new offer on one this socket owns) and relays its offer.
    func subscribe(_ id: String?, _ request: SubscribeRequest) async throws {
        let services = self.session.services
        guard self.session.identity.isRecorder || self.session.breakout.sees(request.participantId) else {
            return await self.session.fail(id, .forbidden, "that person is in another breakout room")
        }
        var flow = SubscribeFlow(
            subscriberId: self.session.sfuParticipantId, request: request, owned: self.session.record.subscriptions ?? [],
            maxAudioSlots: services.configuration.video.audioSlots)
        let key = PresenceKey(meetingId: self.session.identity.meetingId, participantId: request.participantId)
        var action = flow.start(publisher: try await services.presence.get(key))
        while true {
            switch action {
            case .fail(let error, let forget):
                services.metrics.subscribed(ok: false)
                if let forget { try await self.forget(forget) }
                return await self.session.fail(id, error)
            case .create(let body, let nodeId):
                action = flow.answered(
                    await self.session.ask(SFUControlType.createSubscriber, body, node: nodeId, as: CreateSubscriberReply.self))
            case .renegotiate(let body, let nodeId):
                action = flow.answered(
                    await self.session.ask(SFUControlType.renegotiateSubscriber, body, node: nodeId, as: CreateSubscriberReply.self))
            case .store(let subscriptions):
                action = flow.stored(try await self.session.store { $0.subscriptions = subscriptions })
            case .abandon(let transportId, let nodeId):
                await self.session.closeTransport(transportId, on: nodeId)
                action = flow.abandoned()
            case .offer(let offer):
                services.metrics.subscribed(ok: true)
                return await self.session.reply(id, .subscription(offer))
            }
        }
    }

    /// `subscribe-answer`: relays the client's answer to the node holding the transport.
    func answer(_ id: String?, _ answer: SubscribeAnswer) async throws {
        guard let subscription = self.subscription(answer.transportId) else {
            return await self.session.fail(id, .notFound, "no such subscription on this connection")
        }
        do throws(SFUFailure) {
            _ = try await self.session.services.sfu.call(
                SFUControlType.subscriberAnswer, SubscriberAnswerRequest(transportId: answer.transportId, answer: answer.answer),
                node: subscription.nodeId, as: SFUCloseReply.self)
        } catch {
            if error.remoteCode == .unknownTransport { try await self.forget(answer.transportId) }
            return await self.session.fail(id, error.signalingError)
        }
        await self.session.reply(id, .ack(AckData()))
    }

    /// `unsubscribe`: closes one of this socket's subscriber transports (a
    /// lost node's is not waited for: the `ack` comes at once).
    func unsubscribe(_ id: String?, _ request: UnsubscribeRequest) async throws {
        guard let subscription = self.subscription(request.transportId) else {
            return await self.session.fail(id, .notFound, "no such subscription on this connection")
        }
        if subscription.perNode == true, let publisher = request.participantId {
            return try await self.remove(id, publisher, from: subscription)
        }
        await self.session.closeTransport(subscription.transportId, on: subscription.nodeId)
        try await self.forget(subscription.transportId)
        await self.session.reply(id, .ack(AckData()))
    }

    /// `unsubscribe {transportId, participantId}` on a per-node connection:
    /// the node takes the publisher off and re-offers (the reply is a
    /// `subscription`), or closes the connection when nothing is left
    /// (`ack`). A node that is lost, or cannot be reached, carries nothing
    /// any more: the publisher is forgotten and the reply is `ack` (at once
    /// for a lost node). A re-offer refused
    /// because an earlier one awaits its answer is `bad_sdp`: answer, then retry.
    private func remove(_ id: String?, _ publisher: UUID, from connection: SubscriptionRecord) async throws {
        let carried = self.session.record.subscriptions?.contains {
            $0.transportId == connection.transportId && $0.publisherParticipantId == publisher
        } ?? false
        guard carried else { return await self.session.fail(id, .notFound, "that participant is not on this connection") }
        let body = RemoveSubscriptionRequest(
            transportId: connection.transportId, publisherParticipantId: publisher.uuidString.lowercased(),
            participantId: self.session.sfuParticipantId)
        let sfu = self.session.services.sfu
        if sfu.departures.isUnreachable(connection.nodeId) {
            // A lost node is not waited for (a migrating client unsubscribes from it).
            await sfu.bestEffort(SFUControlType.removeSubscription, body, node: connection.nodeId)
            try await self.forget(publisher, on: connection.transportId)
            return await self.session.reply(id, .ack(AckData()))
        }
        let result = await self.session.ask(
            SFUControlType.removeSubscription, body, node: connection.nodeId, as: RemoveSubscriptionReply.self)
        switch result {
        case .success(let reply):
            guard let offer = reply.offer else {
                try await self.forget(connection.transportId)
                return await self.session.reply(id, .ack(AckData()))
            }
            try await self.forget(publisher, on: connection.transportId)
            let remaining = CreateSubscriberReply(
                transportId: reply.transportId, offer: offer, tracks: reply.tracks, audioSlots: reply.audioSlots)
            await self.session.reply(id, .subscription(SubscribeFlow.offer(remaining, publisher: publisher, on: connection)))
        case .failure(let error) where error.remoteCode == .badSDP:
            await self.session.fail(id, error.signalingError)
        case .failure(let error):
            if error.remoteCode == .unknownTransport {
                try await self.forget(connection.transportId)
            } else {
                try await self.forget(publisher, on: connection.transportId)
            }
            await self.session.reply(id, .ack(AckData()))
        }
    }

    /// The node closed one of this socket's subscriber transports.
    func transportClosed(_ event: SFUTransportClosedEvent) async throws {
        guard let subscription = self.subscription(event.transportId) else { return }
        try await self.forget(event.transportId)
        guard self.session.isJoined else { return }
        await self.session.reply(
            nil,
            .subscriptionClosed(
                SubscriptionClosed(
                    transportId: event.transportId, publisherParticipantId: subscription.publisherParticipantId, reason: event.reason)))
    }

    private func subscription(_ transportId: String) -> SubscriptionRecord? {
        self.session.record.subscriptions?.first { $0.transportId == transportId }
    }

    /// Drops one publisher of a per-node connection from this socket's record (and presence).
    func forget(_ publisher: UUID, on transportId: String) async throws {
        self.drop(publisher, on: transportId)
        _ = try await self.session.services.presence.replace(meetingId: self.session.identity.meetingId, record: self.session.record)
    }

    /// Drops a subscription from this socket's record (and presence).
    func forget(_ transportId: String) async throws {
        self.drop(transportId)
        _ = try await self.session.services.presence.replace(meetingId: self.session.identity.meetingId, record: self.session.record)
    }

    /// ``forget(_:on:)`` without the presence write (a caller dropping many writes once).
    func drop(_ publisher: UUID, on transportId: String) {
        self.session.migration.forget(subscription: transportId, publisher: publisher)
        self.session.record.subscriptions = SubscribeFlow.removing(publisher, on: transportId, from: self.session.record.subscriptions)
    }

    /// ``forget(_:)`` without the presence write.
    func drop(_ transportId: String) {
        self.session.migration.forget(subscription: transportId)
        self.session.record.subscriptions = SubscribeFlow.removing(transportId, from: self.session.record.subscriptions)
    }
}
