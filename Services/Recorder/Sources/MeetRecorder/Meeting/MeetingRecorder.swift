import Foundation
import Logging
import MeetProtocol
import MeetRTC
import MeetRTP

/// One recording's hidden subscriber (docs/dev/recording.md, "The recorder
/// as a hidden subscriber"): joins the meeting over meet-ws with the job's
/// recorder token, subscribes to every published track through the same
/// redirect path as people (one subscriber connection per node, `perNode`,
/// re-offered as publishers come and go), follows `tracks`,
/// `participant-left`, `subscription-closed` and `migrate`, and feeds what
/// arrives into the recording's
/// ``RecordingSession`` (held by ``RecordingSessions``), asking for a
/// keyframe (PLI) whenever a track's assembler needs one.
///
/// A publication moved to another transport (renegotiated, or migrated off
/// a draining node) is a new track: its old file ends and a new one starts.
actor MeetingRecorder {
    /// How the recorder reaches the meeting.
    struct Settings: Sendable {
        /// meet-ws URLs to use instead of the job's (`MEET_RECORDER_WS_URL`), tried in turn.
        var wsURLs: [String]
        /// Where subscriber sockets bind (`MEET_RECORDER_MEDIA_HOST`).
        var bindHost: String
        var rtc: RTCConfiguration
        var requestTimeout: Duration
        /// How often time passes for the tracks (reorder deadlines, keyframe retries).
        var tickInterval: Duration

        init(
            wsURLs: [String], bindHost: String, rtc: RTCConfiguration, requestTimeout: Duration = .seconds(10),
            tickInterval: Duration = .milliseconds(100)
        ) {
            self.wsURLs = wsURLs
            self.bindHost = bindHost
            self.rtc = rtc
            self.requestTimeout = requestTimeout
            self.tickInterval = tickInterval
        }
    }

    let job: RecordingJob
    let sessions: RecordingSessions
    let settings: Settings
    let logger: Logger
    private let key: String
    private var signaling: RecorderSignaling?
    /// The subscriber connection to each node, by node id.
    private var legs: [String: RecordingLeg] = [:]
    /// The recorded tracks each node's connection carries now (a file open for each).
    private var carried: [String: [TrackInfo]] = [:]
    /// Who is subscribed, on which node, with which of its tracks (to see a change).
    private var subscribed: [UUID: (node: String, tracks: Set<String>)] = [:]
    /// The room's publications (other than ours: we publish nothing), by publisher.
    private var publications: [UUID: [TrackInfo]] = [:]
    /// Publishers whose subscription failed: not retried until their tracks change.
    private var gaveUp: Set<UUID> = []
    /// Where a video track's PLI goes: its node's connection and its SSRC.
    private var keyframeTargets: [String: (node: String, ssrc: UInt32)] = [:]
    private var tasks: [Task<Void, Never>] = []
    private var stopping = false
    /// Once: a seat resumed from another recorder was left (``follow(url:token:)``).
    private var leftInheritedSeat = false
    private let media: AsyncStream<RecordedMedia>
    private let mediaSink: AsyncStream<RecordedMedia>.Continuation

    /// - Parameter key: the recording's key in ``RecordingSessions`` (opened by the caller).
    init(job: RecordingJob, key: String, sessions: RecordingSessions, settings: Settings, logger: Logger) {
        self.job = job
        self.key = key
        self.sessions = sessions
        self.settings = settings
        self.logger = logger
        // Bounded: a recorder that cannot keep up loses packets (counted as
        // lost by the reorder buffer, repaired at the next keyframe), never memory.
        (self.media, self.mediaSink) = AsyncStream.makeStream(of: RecordedMedia.self, bufferingPolicy: .bufferingOldest(8192))
    }

    /// Joins and records until ``stop()``.
    func start() {
        self.tasks = [
            Task { await self.follow() },
            Task { await self.consumeMedia() },
            Task { await self.tick() },
        ]
    }

    /// Leaves the meeting and closes every subscription; the caller then
    /// finishes the session (every file gets its trailer).
    func stop() async {
        guard !self.stopping else { return }
        self.stopping = true
        for leg in self.legs.values { await leg.close() }
        self.legs = [:]
        if let signaling = self.signaling {
            _ = try? await signaling.request(.leave, timeout: .seconds(2))
            signaling.disconnect()
        }
        self.mediaSink.finish()
        for task in self.tasks { task.cancel() }
        for node in Array(self.carried.keys) { await self.carry([], on: node) }
    }

    // MARK: Signaling

    /// Joins, follows the room, and joins again when the socket drops:
    /// the seat is resumed (meet-ws keeps it for its grace), so the node
    /// connections and their subscriptions carry over and only what changed
    /// meanwhile is subscribed or dropped. Each URL is tried in turn, with a
    /// growing pause, until stopped, refused, or ``maxFailures`` failures in a row.
    private func follow() async {
        let urls = self.settings.wsURLs.isEmpty ? [self.job.wsUrl].compactMap { $0 } : self.settings.wsURLs
        guard let token = self.job.joinToken, !urls.isEmpty else {
            self.logger.error("the recording job carries no recorder seat or meet-ws URL: nothing is recorded")
            return
        }
        var failures = 0
        var attempt = 0
        while !self.stopping {
            do throws(RecorderSignaling.Failure) {
                try await self.follow(url: urls[attempt % urls.count], token: token)
                failures = 0
            } catch .refused(let code, let message) where code == .forbidden {
                self.logger.error("the recorder seat was refused", metadata: ["error": "\(message)"])
                return
            } catch {
                failures += 1
                self.logger.warning("the recorder could not join the meeting", metadata: ["error": "\(error)", "failures": "\(failures)"])
            }
            guard !self.stopping else { return }
            guard failures < Self.maxFailures else {
                self.logger.error("the recorder gave up joining the meeting: new publications are not recorded")
                return
            }
            attempt += 1
            try? await Task.sleep(for: .milliseconds(min(2000, 100 << min(failures, 5))))
        }
    }

    /// Failed joins in a row before the recorder stops trying (about a minute of pauses).
    static let maxFailures = 30

    /// One socket's life: join, reconcile with the snapshot, follow the events until it closes.
    private func follow(url: String, token: String) async throws(RecorderSignaling.Failure) {
        let signaling = try await RecorderSignaling.connect(url: url, token: token, timeout: self.settings.requestTimeout, logger: self.logger)
        self.signaling = signaling
        guard case .joined(let snapshot) = try await signaling.request(.join, timeout: self.settings.requestTimeout) else {
            signaling.disconnect()
            throw .timeout("join was not answered with joined")
        }
        self.logger.info("recorder in the meeting", metadata: ["tracks": "\(snapshot.tracks.count)", "resumed": "\(snapshot.resumed)"])
        if snapshot.resumed, self.legs.isEmpty, !self.leftInheritedSeat {
            self.leftInheritedSeat = true
            // The seat of another recorder (failover: the seat is the
            // recording's, and a dead recorder's lingers for its grace), whose
            // node connections lived in that process: leave it, so its
            // subscriptions end, and join again with a seat of our own.
            self.logger.notice("the recorder seat held another recorder's connections: leaving it and joining afresh")
            _ = try? await signaling.request(.leave, timeout: self.settings.requestTimeout)
            signaling.disconnect()
            return
        }
        var publications: [UUID: [TrackInfo]] = [:]
        for track in snapshot.tracks where track.participantId != snapshot.you {
            publications[track.participantId, default: []].append(track)
        }
        self.publications = publications
        self.gaveUp = []
        await self.reconcile()
        for await message in signaling.events {
            if self.stopping { return }
            await self.handle(message)
        }
        if !self.stopping { self.logger.warning("the recorder's signaling socket closed; joining again") }
    }

    private func handle(_ message: ServerMessage) async {
        switch message {
        case .tracks(let event):
            self.gaveUp.remove(event.participantId)
            let tracks = event.tracks.map { track in
                var track = track
                track.nodeId = track.nodeId ?? event.nodeId
                return track
            }
            self.publications[event.participantId] = tracks.isEmpty ? nil : tracks
            await self.reconcile()
        case .participantLeft(let left):
            self.publications.removeValue(forKey: left.participantId)
            await self.reconcile()
        case .subscriptionClosed(let closed):
            // A per-node connection ended (its node shut down, the connection failed).
            guard let leg = self.legs.values.first(where: { $0.transportId == closed.transportId }) else { return }
            await self.retire(leg)
            await self.reconcile()
        case .migrate(let instruction):
            // A publisher moved: take it off this connection, subscribe on its new node.
            guard let publisher = instruction.publisherParticipantId,
                self.legs.values.contains(where: { $0.transportId == instruction.transportId })
            else { return }
            await self.drop(publisher)
            await self.reconcile()
        case .meetingEnded, .kicked, .sessionReplaced:
            self.logger.notice("the recorder was removed from the meeting", metadata: ["event": "\(message.type)"])
        default:
            break
        }
    }

    /// Subscribes to every recordable publication not subscribed, again to
    /// one whose tracks changed (the node re-offers), and drops those gone.
    private func reconcile() async {
        for (publisher, subscription) in self.subscribed {
            guard !self.stopping else { return }
            guard let tracks = self.publications[publisher] else {
                await self.drop(publisher)
                continue
            }
            if Set(tracks.map(\.id)) != subscription.tracks {
                // Moved to another node: off this connection first (a `tracks` event may not name the node).
                if let node = tracks.first?.nodeId, node != subscription.node { await self.drop(publisher) }
                await self.subscribe(to: publisher)
            }
        }
        for (publisher, tracks) in self.publications where self.subscribed[publisher] == nil && !self.gaveUp.contains(publisher) {
            guard !self.stopping else { return }
            guard tracks.contains(where: { Self.codec($0) != nil }) else { continue }
            await self.subscribe(to: publisher)
        }
    }

    /// `subscribe {perNode}`: the first publisher on a node makes its
    /// connection; a later one (or a changed publication) is a re-offer on it.
    private func subscribe(to publisher: UUID) async {
        guard let signaling = self.signaling else { return }
        do {
            guard case .subscription(let offer) = try await signaling.request(
                .subscribe(SubscribeRequest(participantId: publisher, perNode: true)), timeout: self.settings.requestTimeout)
            else { throw RecorderSignaling.Failure.timeout("subscribe answered something else") }
            try await self.negotiate(offer)
            let mine = offer.tracks.filter { $0.participantId == publisher }
            self.subscribed[publisher] = (offer.nodeId, Set(mine.map(\.id)))
            self.logger.info(
                "recording a publisher",
                metadata: ["publisher": "\(publisher)", "sfu.node": "\(offer.nodeId)", "transport": "\(offer.transportId)", "tracks": "\(mine.count)"])
        } catch {
            self.gaveUp.insert(publisher)
            self.logger.warning("could not subscribe to a publisher", metadata: ["publisher": "\(publisher)", "error": "\(error)"])
        }
    }

    /// `unsubscribe {transportId, participantId}`: the node re-offers the
    /// connection without the publisher (or closes it, `ack`, when it was the last).
    private func drop(_ publisher: UUID) async {
        guard let node = self.subscribed.removeValue(forKey: publisher)?.node, let leg = self.legs[node] else { return }
        do {
            let reply = try await self.signaling?.request(
                .unsubscribe(UnsubscribeRequest(transportId: leg.transportId, participantId: publisher)), timeout: self.settings.requestTimeout)
            if case .subscription(let offer)? = reply {
                try await self.negotiate(offer)
                return
            }
        } catch {
            self.logger.notice("unsubscribe failed", metadata: ["publisher": "\(publisher)", "error": "\(error)"])
        }
        await self.carry((self.carried[node] ?? []).filter { $0.participantId != publisher }, on: node)
        if self.carried[node]?.isEmpty ?? true, !self.subscribed.values.contains(where: { $0.node == node }) { await self.retire(leg) }
    }

    /// Applies a node's (re-)offer: files open for its new recorded tracks
    /// before media can arrive, the answer sent, files of the tracks it no
    /// longer carries finished. An offer that fails closes the connection
    /// (docs/signaling.md: an unanswered offer stays pending on the node).
    private func negotiate(_ offer: SubscriptionOffer) async throws {
        guard let signaling = self.signaling else { return }
        let recorded = SubscriptionTrackMap(offer: offer).byMid.filter { Self.codec($0.value) != nil }
        let before = self.carried[offer.nodeId] ?? []
        for track in recorded.values where !before.contains(where: { $0.id == track.id }) {
            try await self.sessions.addTrack(self.name(track, codec: Self.codec(track)!))
        }
        var leg = self.legs[offer.nodeId]
        if let old = leg, old.transportId != offer.transportId {
            await self.retire(old)  // the node opened a new connection: the old one is gone
            leg = nil
        }
        do {
            let answer: String
            if let leg {
                leg.tap.update(recorded)
                answer = try await leg.connection.acceptReoffer(offer.offer, policy: .withoutTransportCC)
            } else {
                let sink = self.mediaSink
                let tap = MediaTap(node: offer.nodeId) { sink.yield($0) }
                tap.update(recorded)
                let socket = try await RTCSocket.bind(host: self.settings.bindHost, port: 0)
                let connection = PeerConnection(role: .client, socket: socket, configuration: self.settings.rtc, delegate: tap)
                let made = RecordingLeg(node: offer.nodeId, transportId: offer.transportId, socket: socket, connection: connection, tap: tap)
                self.legs[offer.nodeId] = made
                answer = try await connection.acceptOffer(offer.offer, sendBack: false, policy: .withoutTransportCC)
            }
            _ = try await signaling.request(
                .subscribeAnswer(SubscribeAnswer(transportId: offer.transportId, answer: answer)), timeout: self.settings.requestTimeout)
        } catch {
            self.carried[offer.nodeId] = before + recorded.values.filter { track in !before.contains { $0.id == track.id } }
            if let failed = self.legs[offer.nodeId] {
                await self.retire(failed)
                _ = try? await signaling.request(.unsubscribe(UnsubscribeRequest(transportId: failed.transportId)), timeout: self.settings.requestTimeout)
            } else {
                await self.carry([], on: offer.nodeId)
            }
            throw error
        }
        await self.carry(Array(recorded.values), on: offer.nodeId)
        // Stopped while this offer was answered: the connection made for it goes too.
        if self.stopping, let leg = self.legs[offer.nodeId] { await self.retire(leg) }
    }

    /// The recorded tracks `node`'s connection carries from now on: the files
    /// of those it no longer carries are finished.
    private func carry(_ tracks: [TrackInfo], on node: String) async {
        let now = RecordingSessions.now()
        for track in self.carried[node] ?? [] where !tracks.contains(where: { $0.id == track.id }) {
            self.keyframeTargets.removeValue(forKey: track.id)
            await self.sessions.removeTrack(self.key, trackID: track.id, now: now)
        }
        self.carried[node] = tracks.isEmpty ? nil : tracks
    }

    /// Closes a node's connection here and finishes its tracks' files; its
    /// publishers are subscribed again by the next ``reconcile()``.
    private func retire(_ leg: RecordingLeg) async {
        guard self.legs[leg.node]?.transportId == leg.transportId else { return }
        self.legs.removeValue(forKey: leg.node)
        await leg.close()
        await self.carry([], on: leg.node)
        self.subscribed = self.subscribed.filter { $0.value.node != leg.node }
    }

    // MARK: Media

    private func consumeMedia() async {
        for await item in self.media {
            switch item {
            case .rtp(let packet, let trackID, let node, let now):
                if self.keyframeTargets[trackID] == nil, self.isVideo(trackID, on: node) {
                    self.keyframeTargets[trackID] = (node, packet.ssrc)
                }
                if await self.sessions.receive(self.key, packet, trackID: trackID, now: now) { self.requestKeyframe(trackID) }
            case .senderReport(let trackID, let ntp, let rtpTimestamp, let now):
                await self.sessions.senderReport(self.key, trackID: trackID, ntp: ntp, rtpTimestamp: rtpTimestamp, now: now)
            }
        }
    }

    private func tick() async {
        while !Task.isCancelled, !self.stopping {
            try? await Task.sleep(for: self.settings.tickInterval)
            for trackID in await self.sessions.tick(self.key, now: RecordingSessions.now()) { self.requestKeyframe(trackID) }
        }
    }

    private func requestKeyframe(_ trackID: String) {
        guard let target = self.keyframeTargets[trackID], let leg = self.legs[target.node] else { return }
        leg.requestKeyframe(ssrc: target.ssrc)
    }

    private func isVideo(_ trackID: String, on node: String) -> Bool {
        self.carried[node]?.first { $0.id == trackID }.flatMap(Self.codec)?.isVideo ?? false
    }

    private func name(_ track: TrackInfo, codec: TrackCodec) -> RecordedTrackName {
        RecordedTrackName(
            meetingCode: self.job.meetingCode, recordingID: self.key, segment: self.job.segment,
            participantID: track.participantId.uuidString.lowercased(), trackID: track.id, codec: codec)
    }

    /// The codec a track is recorded in; nil for one not recorded yet (H.264, docs/dev/recording.md).
    static func codec(_ track: TrackInfo) -> TrackCodec? {
        switch track.codec?.lowercased() {
        case "vp8": .vp8
        case "opus": .opus
        case "h264": .h264
        case nil: track.kind == .mic ? .opus : nil
        default: nil
        }
    }
}
