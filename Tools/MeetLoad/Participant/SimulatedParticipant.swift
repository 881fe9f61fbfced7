import Foundation
import Logging
import MeetProtocol
import MeetRTC
import NIOCore
import NIOConcurrencyHelpers

/// One simulated person, through the public APIs only: a REST join as a
/// guest, a WebSocket to meet-ws (`join`), optionally a publication
/// (synthetic Opus, and VP8 unless audio-only), and the subscriptions its
/// ``SubscriptionStrategy`` asks for as the room's `tracks` change: one
/// subscriber connection per node with last-N preferences, as the web
/// client (``ParticipantContext/perNode``, `SimulatedParticipant+PerNode.swift`),
/// or one per publisher (the protocol before #15). It follows `migrate`
/// (publication and subscriptions) and `subscription-closed`.
///
/// Nothing here is fatal: every failure is recorded by code in the
/// ``LoadRecorder`` and the participant carries on with what still works.
/// Every wait is bounded (``ParticipantContext/requestTimeout``,
/// ``ParticipantContext/connectTimeout``).
actor SimulatedParticipant {
    let plan: ParticipantPlan
    private var strategy: any SubscriptionStrategy
    private var you: UUID?
    /// `joined.audioSlots`: the deployment's audio-slot policy (nil: off).
    private var audioSlotPolicy: AudioSlotPolicy?

    /// What a per-node subscribe asks for (`--audio-slots`; -1 follows the
    /// policy as the web client does, by the planned meeting size).
    var audioSlots: Int? {
        guard let asked = context.audioSlots else { return nil }
        if asked >= 0 { return asked }
        return audioSlotPolicy?.slots(forRoomOf: context.participantsPerMeeting)
    }
    private(set) var joinMillis: Double?
    /// When `joined` arrived (monotonic nanoseconds).
    private(set) var joinedAt: UInt64?
    /// ``SpeakerTurns``: how long after each turn began (by turn) an
    /// `active-speakers` event first named its newcomer.
    private(set) var speakerChangeMillis: [Int: Double] = [:]
    /// Set in `SimulatedParticipant+Publishing.swift` only.
    var publication: PublisherLeg?
    /// What publications this one replaced (after `migrate`) sent.
    var sentBefore: MediaSender.Counters?
    /// The last `publisher-layers` for a connection that was not the
    /// current publication when it came (the one being set up): applied
    /// once that connection is the publication (``setPublicationLeg(_:)``).
    var pendingPublisherLayers: PublisherLayers?
    /// One connection per publisher (``ParticipantContext/perNode`` off).
    private(set) var subscriptions: [UUID: SubscriberLeg] = [:]
    /// One connection per node, by transport id, and which one carries each publisher.
    var nodeLegs: [String: NodeLeg] = [:]
    var nodeSubscriptions: [UUID: String] = [:]
    /// The last `video-preferences` sent (last-N), to send only changes,
    /// and the videos the node forwards (nil: no `video-selection` yet).
    var sentPreferences: VideoPreferencesRequest?
    /// Last-N: the page shown (wraps around; `--page-turn-seconds` turns it).
    var page = 0
    var pageTurns = 0
    /// `--resize-seconds`: the tiles are at `--resize-height` now.
    var resized = false
    var forwarding: Set<VideoSelectionData.Video>?
    /// Subscriptions the room closed (or that moved), kept for the totals.
    var finished: [SubscriptionResult] = []
    /// The room's publications (not ours), in the order first seen.
    private(set) var publications: [UUID: Publication] = [:]
    private(set) var publicationOrder: [UUID] = []
    /// `--poll-after`: the polls voted in, and those whose results arrived.
    var pollsVoted: Set<UUID> = []
    var pollsClosed: Set<UUID> = []
    /// Publishers whose subscription failed: not retried until their tracks change.
    var gaveUp: Set<UUID> = []
    private(set) var stopping = false
    private(set) var signaling: SignalingConnection?
    let context: ParticipantContext

    init(plan: ParticipantPlan, context: ParticipantContext) {
        self.plan = plan
        self.context = context
        strategy = context.makeStrategy()
    }

    /// Joins, publishes if planned, then follows the room until ``stop()``.
    func run() async {
        do {
            try await join()
        } catch {
            record(error)
            return
        }
        if plan.publishes != .nothing {
            do {
                setPublicationLeg(try await makePublication(replacing: nil))
            } catch {
                record(error)
            }
        }
        await reconcile()
        guard let signaling else { return }
        let turner = context.videoPage.turnEvery.map { seconds in
            Task { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
                    guard let self, !Task.isCancelled else { return }
                    await self.turnPage()
                }
            }
        }
        let resizer = context.videoPage.resizeEvery.map { seconds in
            Task { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
                    guard let self, !Task.isCancelled else { return }
                    await self.resize()
                }
            }
        }
        defer {
            turner?.cancel()
            resizer?.cancel()
        }
        for await event in signaling.events {
            if stopping { break }
            await handle(event)
        }
        if !stopping, let code = signaling.closeCode {
            record(LoadError("ws_closed_\(code.map(String.init) ?? "abnormal")", "signaling socket closed"))
        }
    }

    /// Stops sending, closes every connection and leaves (bounded waits).
    func stop() async {
        stopping = true
        if let publication { await publication.close() }
        for leg in subscriptions.values { await leg.close() }
        for leg in nodeLegs.values { await leg.close() }
        if let signaling {
            if you != nil {
                _ = try? await signaling.request(.leave, timeout: .seconds(2))
                context.recorder.left()
            }
            signaling.disconnect()
        }
        if publication != nil { context.recorder.stoppedPublishing() }
    }

    private func join() async throws(LoadError) {
        let started = monotonicNanos()
        let seat = try await context.rest.join(code: plan.meetingCode, name: plan.name)
        let url = context.wsURLs.isEmpty ? seat.wsURL : context.wsURLs[plan.index % context.wsURLs.count]
        let signaling = try await SignalingConnection.connect(
            url: url, token: seat.joinToken, timeout: context.connectTimeout, logger: context.wsLogger)
        self.signaling = signaling
        let reply = try await signaling.request(.join, timeout: context.requestTimeout)
        guard case .joined(let snapshot) = reply.message else {
            throw LoadError("ws_not_joined", "join answered \(reply.message.type)")
        }
        you = snapshot.you
        audioSlotPolicy = snapshot.audioSlots
        let elapsed = millis(from: started, to: monotonicNanos())
        joinMillis = elapsed
        joinedAt = monotonicNanos()
        context.recorder.joined(millis: elapsed)
        if let turns = context.speakerTurns, plan.position < turns.audioPublishers {
            context.recorder.speaker(meeting: plan.meetingIndex, position: plan.position, joinedAs: snapshot.you)
        }
        for track in snapshot.tracks where track.participantId != snapshot.you {
            var publication = publications[track.participantId]
                ?? Publication(participantId: track.participantId, nodeId: track.nodeId, tracks: [])
            publication.tracks.append(track)
            setPublication(publication)
        }
    }

    /// ``SpeakerTurns``: the first `active-speakers` of a turn that names the
    /// turn's newcomer times the change (turns that began before we joined
    /// are not timed).
    private func timeSpeakerChange(_ speakers: [UUID]) {
        guard let turns = context.speakerTurns, let joinedAt else { return }
        let now = monotonicNanos()
        let turn = turns.turn(at: now)
        guard speakerChangeMillis[turn] == nil, turns.turnStart(turn) > joinedAt,
              let newcomer = turns.newcomer(in: turn),
              let id = context.recorder.speakerID(meeting: plan.meetingIndex, position: newcomer),
              speakers.contains(id) else { return }
        speakerChangeMillis[turn] = millis(from: turns.turnStart(turn), to: now)
    }

    // MARK: Room events

    private func handle(_ event: SignalingConnection.Event) async {
        switch event {
        case .message(let envelope):
            await handle(envelope.message)
        case .other(let type, let json):
            context.recorder.otherEvent(type)
            if strategy.observe(eventType: type, json: json) { await reconcile() }
        }
    }

    private func handle(_ message: ServerMessage) async {
        switch message {
        case .tracks(let event):
            guard event.participantId != you else { return }
            gaveUp.remove(event.participantId)
            if event.tracks.isEmpty {
                publications.removeValue(forKey: event.participantId)
            } else {
                let changed = publications[event.participantId]?.tracks != event.tracks
                setPublication(Publication(participantId: event.participantId, nodeId: event.nodeId, tracks: event.tracks))
                if changed, let current = nodeSubscriptions[event.participantId] {
                    if let leg = nodeLegs[current], let node = event.nodeId, leg.nodeId != node {
                        // Moved to another node (a drain, a lost node): subscribe there, then off the old connection.
                        await movePerNode(event.participantId, from: current)
                    } else {
                        // New tracks on the same node: the connection is re-offered with them (subscribe again).
                        await subscribePerNode(to: event.participantId)
                    }
                }
            }
            await reconcile()
        case .videoSelection(let selection):
            applySelection(selection)
        case .activeSpeakers(let speakers):
            timeSpeakerChange(speakers.speakers.map(\.participantId))
        case .publisherLayers(let layers):
            applyPublisherLayers(layers)
        case .participantLeft(let left):
            publications.removeValue(forKey: left.participantId)
            await reconcile()
        case .subscriptionClosed(let closed):
            if let leg = nodeLegs[closed.transportId] {
                await retireNodeLeg(leg)
                if !["publisher_closed", "participant_closed"].contains(closed.reason) {
                    record(LoadError("subscription_closed_\(closed.reason)", "node closed connection \(closed.transportId)"))
                }
                await reconcile()
                return
            }
            guard let leg = subscriptions[closed.publisherParticipantId], leg.transportId == closed.transportId else { return }
            await retire(leg)
            if !["publisher_closed", "participant_closed"].contains(closed.reason) {
                record(LoadError("subscription_closed_\(closed.reason)", "node closed subscription \(closed.transportId)"))
            }
            await reconcile()
        case .engagement(.poll(let view)):
            await answerPoll(view)
        case .migrate(let instruction):
            context.recorder.otherEvent("migrate")
            await follow(instruction)
        case .kicked, .meetingEnded, .sessionReplaced, .denied:
            record(LoadError("ws_\(message.type)", "removed from the meeting"))
        case .error(let error):
            record(LoadError("ws_\(error.code.rawValue)", error.message))
        default:
            break
        }
    }

    private func follow(_ instruction: MigrateInstruction) async {
        if let publisher = instruction.publisherParticipantId, nodeLegs[instruction.transportId] != nil {
            // Per node: subscribe on the new node (unless its `tracks` moved it already), then off the old connection.
            await movePerNode(publisher, from: instruction.transportId)
        } else if let publisher = instruction.publisherParticipantId {
            // Subscribe again on the publisher's new node, then drop the old one.
            guard let leg = subscriptions[publisher], leg.transportId == instruction.transportId else { return }
            await retire(leg)
            await unsubscribeOnServer(leg.transportId)
            await reconcile()
        } else if let old = publication, old.transportId == instruction.transportId {
            await replacePublication(old)
        }
    }

    private func setPublication(_ publication: Publication) {
        if publications[publication.participantId] == nil, !publicationOrder.contains(publication.participantId) {
            publicationOrder.append(publication.participantId)
        }
        publications[publication.participantId] = publication
    }

    // MARK: Subscriptions

    /// Applies what the strategy says to the room as it is now.
    private func reconcile() async {
        guard !stopping else { return }
        // Preferences first: a new subscription then starts with the videos the page wants (last-N).
        if context.perNode { await updateVideoPreferences() }
        let ordered = publicationOrder.compactMap { publications[$0] }
        let subscribed = Set(subscriptions.keys).union(nodeSubscriptions.keys).union(gaveUp)
        for change in strategy.plan(publications: ordered, subscribed: subscribed) {
            guard !stopping else { return }
            switch change {
            case .subscribe(let publisher) where context.perNode: await subscribePerNode(to: publisher)
            case .subscribe(let publisher): await subscribe(to: publisher)
            case .unsubscribe(let publisher) where context.perNode: await unsubscribePerNode(from: publisher)
            case .unsubscribe(let publisher): await unsubscribe(from: publisher)
            }
        }
        if context.perNode { await updateVideoPreferences() }
    }

    private func subscribe(to publisher: UUID) async {
        guard let signaling else { return }
        let started = monotonicNanos()
        do throws(LoadError) {
            let reply = try await signaling.request(.subscribe(SubscribeRequest(participantId: publisher)), timeout: context.requestTimeout)
            guard case .subscription(let offer) = reply.message else {
                throw LoadError("ws_unexpected_reply", "subscribe answered \(reply.message.type)")
            }
            let socket = try await context.bindSocket()
            let recorder = context.recorder
            let index = plan.index
            let receiver = MediaReceiver(subscribedAt: started, freezeThresholdNanos: context.freezeThresholdNanos) { state in
                if case .failed(let stage, let reason) = state {
                    recorder.error(LoadError("subscriber_failed_\(stage.rawValue.lowercased())", reason), participant: index)
                }
            }
            let connection = PeerConnection(
                role: .client, socket: socket, configuration: context.rtc, delegate: receiver, logger: context.rtcLogger)
            let leg = SubscriberLeg(
                publisher: publisher, transportId: offer.transportId, expectsVideo: offer.tracks.contains { $0.kind != .mic },
                socket: socket, connection: connection, receiver: receiver)
            subscriptions[publisher] = leg
            do {
                let answer = try await connection.acceptOffer(offer.offer, sendBack: false, policy: .withoutTransportCC)
                _ = try await signaling.request(
                    .subscribeAnswer(SubscribeAnswer(transportId: offer.transportId, answer: answer)), timeout: context.requestTimeout)
            } catch {
                subscriptions.removeValue(forKey: publisher)
                await leg.close()
                throw LoadError(error, or: "subscribe_failed")
            }
            if stopping { await leg.close() }
        } catch {
            gaveUp.insert(publisher)
            record(error)
        }
    }

    private func unsubscribe(from publisher: UUID) async {
        gaveUp.remove(publisher)
        guard let leg = subscriptions[publisher] else { return }
        await retire(leg)
        await unsubscribeOnServer(leg.transportId)
    }

    /// Closes a subscription here and keeps what it delivered.
    private func retire(_ leg: SubscriberLeg) async {
        subscriptions.removeValue(forKey: leg.publisher)
        finished.append(SubscriptionResult(
            publisher: leg.publisher, expectsVideo: leg.expectsVideo, snapshot: leg.receiver.snapshot(), active: false))
        await leg.close()
    }

    private func unsubscribeOnServer(_ transportId: String) async {
        do throws(LoadError) {
            _ = try await signaling?.request(.unsubscribe(UnsubscribeRequest(transportId: transportId)), timeout: context.requestTimeout)
        } catch where error.code == "ws_not_found" {
            // The room closed it meanwhile.
        } catch {
            record(error)
        }
    }

    func record(_ error: any Error) {
        context.recorder.error(LoadError(error, or: "error"), participant: plan.index)
    }
}

extension LoadError {
    /// `error` itself when it is one, else wrapped under `code`.
    init(_ error: any Error, or code: String) {
        self = (error as? LoadError) ?? LoadError(code, "\(error)")
    }
}
