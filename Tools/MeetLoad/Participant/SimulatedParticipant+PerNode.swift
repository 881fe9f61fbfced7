import Foundation
import MeetProtocol
import MeetRTC

/// Subscribing as the web client does: one subscriber connection per node,
/// re-offered by the node as publishers are added and taken off
/// (docs/signaling.md, "One subscriber connection per node"), and last-N
/// preferences for the first page plus active speakers (``VideoPage``,
/// "Last-N"). The node is the offerer on each connection; every change is
/// answered before the next one on that connection (this actor handles one
/// thing at a time).
extension SimulatedParticipant {
    /// `subscribe {participantId, perNode}`: makes this socket's connection
    /// to the publisher's node, or has the node re-offer it with the
    /// publisher's tracks.
    func subscribePerNode(to publisher: UUID) async {
        guard let signaling else { return }
        let started = monotonicNanos()
        do throws(LoadError) {
            var request = SubscribeRequest(participantId: publisher, perNode: true)
            request.audioSlots = audioSlots
            let reply = try await signaling.request(.subscribe(request), timeout: context.requestTimeout)
            guard case .subscription(let offer) = reply.message else {
                throw LoadError("ws_unexpected_reply", "subscribe answered \(reply.message.type)")
            }
            nodeSubscriptions[publisher] = offer.transportId
            try await applyNodeOffer(offer, at: started)
        } catch {
            nodeSubscriptions.removeValue(forKey: publisher)
            gaveUp.insert(publisher)
            record(error)
        }
    }

    /// `unsubscribe {transportId, participantId}`: the node re-offers the
    /// connection without the publisher, or closes it (`ack`) when it was the last.
    func unsubscribePerNode(from publisher: UUID) async {
        gaveUp.remove(publisher)
        guard let transportId = nodeSubscriptions.removeValue(forKey: publisher) else { return }
        guard let leg = nodeLegs[transportId] else { return }
        finished.append(leg.result(for: publisher, active: false))
        leg.receiver.forget(publisher)
        await takeOff(publisher, from: leg)
    }

    /// `migrate` of a publisher this socket watches on a node connection:
    /// subscribe on its new node first, then take it off the old connection
    /// (make-before-break: the old node forwards until then).
    func movePerNode(_ publisher: UUID, from old: String) async {
        guard let oldLeg = nodeLegs[old] else { return }
        // Already subscribed elsewhere (its `tracks` moved it, then `migrate` came): only the take-off is left.
        if nodeSubscriptions[publisher] == old { await subscribePerNode(to: publisher) }
        guard nodeSubscriptions[publisher] != old, oldLeg.receiver.carries(publisher) else { return }
        finished.append(oldLeg.result(for: publisher, active: false))
        oldLeg.receiver.forget(publisher)
        await takeOff(publisher, from: oldLeg)
    }

    /// Closes a node connection here (the node closed it, or its offer could
    /// not be answered) and keeps what each of its publishers delivered.
    func retireNodeLeg(_ leg: NodeLeg) async {
        nodeLegs.removeValue(forKey: leg.transportId)
        for (publisher, transportId) in nodeSubscriptions where transportId == leg.transportId {
            nodeSubscriptions.removeValue(forKey: publisher)
            finished.append(leg.result(for: publisher, active: false))
        }
        await leg.close()
    }

    /// Sends `video-preferences` when the page changed (the room's video
    /// publishers, first come first served) and applies the reply.
    func updateVideoPreferences() async {
        let videos = publicationOrder.compactMap { publications[$0] }.flatMap { publication in
            publication.tracks.filter { $0.kind != .mic }.map {
                VideoSelectionData.Video(participantId: publication.participantId, source: $0.kind)
            }
        }
        guard let signaling, let preferences = context.videoPage.preferences(videos: videos, page: page, resized: resized),
            preferences != sentPreferences
        else { return }
        sentPreferences = preferences
        do throws(LoadError) {
            let reply = try await signaling.request(.videoPreferences(preferences), timeout: context.requestTimeout)
            if case .videoSelection(let selection) = reply.message { applySelection(selection) }
        } catch {
            sentPreferences = nil
            record(error)
        }
    }

    /// The next page (`--page-turn-seconds`), as a person paging the grid.
    func turnPage() async {
        guard !stopping else { return }
        page += 1
        pageTurns += 1
        await updateVideoPreferences()
    }

    /// The tiles' other height (`--resize-seconds`), as a person resizing the grid.
    func resize() async {
        guard !stopping else { return }
        resized.toggle()
        await updateVideoPreferences()
    }

    /// The videos the node forwards now: the others are paused on purpose, not frozen.
    func applySelection(_ selection: VideoSelectionData) {
        let videos = Set(selection.forwarding)
        forwarding = videos
        let now = monotonicNanos()
        for leg in nodeLegs.values { leg.receiver.forward(videos, now: now) }
    }

    // MARK: Offers

    /// Sets the node's offer (first or re-offer) on its connection, made
    /// here for a first one, and answers it. An offer that cannot be
    /// answered stays pending on the node: the connection is closed there
    /// and here, and its publishers are subscribed again by the next reconcile.
    private func applyNodeOffer(_ offer: SubscriptionOffer, at now: UInt64) async throws(LoadError) {
        guard let signaling else { throw LoadError("not_joined", "subscribe before join") }
        let (leg, first) = try await nodeLeg(for: offer)
        leg.receiver.carry(offer.tracks, audioSlots: offer.audioSlots ?? [], now: now)
        do {
            let answer =
                first
                ? try await leg.connection.acceptOffer(offer.offer, sendBack: false, policy: .withoutTransportCC)
                : try await leg.connection.acceptReoffer(offer.offer, policy: .withoutTransportCC)
            _ = try await signaling.request(
                .subscribeAnswer(SubscribeAnswer(transportId: offer.transportId, answer: answer)), timeout: context.requestTimeout)
        } catch {
            await retireNodeLeg(leg)
            _ = try? await signaling.request(.unsubscribe(UnsubscribeRequest(transportId: leg.transportId)), timeout: context.requestTimeout)
            throw LoadError(error, or: "subscribe_failed")
        }
    }

    /// The connection the offer is for, and whether this offer is its first (made now).
    private func nodeLeg(for offer: SubscriptionOffer) async throws(LoadError) -> (NodeLeg, first: Bool) {
        if let leg = nodeLegs[offer.transportId] { return (leg, false) }
        let socket = try await context.bindSocket()
        let recorder = context.recorder
        let index = plan.index
        let receiver = NodeReceiver(freezeThresholdNanos: context.freezeThresholdNanos) { state in
            if case .failed(let stage, let reason) = state {
                recorder.error(LoadError("subscriber_failed_\(stage.rawValue.lowercased())", reason), participant: index)
            }
        }
        if let forwarding { receiver.forward(forwarding, now: monotonicNanos()) }
        let connection = PeerConnection(
            role: .client, socket: socket, configuration: context.rtc, delegate: receiver, logger: context.rtcLogger)
        let leg = NodeLeg(nodeId: offer.nodeId, transportId: offer.transportId, socket: socket, connection: connection, receiver: receiver)
        nodeLegs[offer.transportId] = leg
        return (leg, true)
    }

    private func takeOff(_ publisher: UUID, from leg: NodeLeg) async {
        guard let signaling else { return }
        do throws(LoadError) {
            let reply = try await signaling.request(
                .unsubscribe(UnsubscribeRequest(transportId: leg.transportId, participantId: publisher)), timeout: context.requestTimeout)
            if case .subscription(let offer) = reply.message {
                try await applyNodeOffer(offer, at: monotonicNanos())
            } else if !nodeSubscriptions.values.contains(leg.transportId) {
                // `ack`: the node closed the connection with its last publisher.
                await retireNodeLeg(leg)
            }
        } catch where error.code == "ws_not_found" {
            // The room closed it meanwhile.
        } catch {
            record(error)
        }
    }
}
