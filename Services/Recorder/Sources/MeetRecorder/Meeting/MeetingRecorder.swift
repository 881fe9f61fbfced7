import Foundation
import Logging
import MeetProtocol
import MeetRTC
import MeetRTP

/// One recording's hidden subscriber (docs/dev/recording.md, "The recorder
/// as a hidden subscriber"): joins the meeting over meet-ws with the job's
/// recorder token, subscribes to every published track through the same
/// redirect path as people (a subscriber connection on the publisher's
/// node), follows `tracks`, `participant-left`, `subscription-closed` and
/// `migrate`, and feeds what arrives into the recording's
/// ``RecordingSession`` (held by ``RecordingSessions``), asking for a
/// keyframe (PLI) whenever a track's assembler needs one.
///
/// A publication moved to another transport (renegotiated, or migrated off
/// a draining node) is a new track: its old file ends and a new one starts.
actor MeetingRecorder {
    /// How the recorder reaches the meeting.
    struct Settings: Sendable {
        /// meet-ws URL to use instead of the job's (`MEET_RECORDER_WS_URL`).
        var wsURL: String?
        /// Where subscriber sockets bind (`MEET_RECORDER_MEDIA_HOST`).
        var bindHost: String
        var rtc: RTCConfiguration
        var requestTimeout: Duration
        /// How often time passes for the tracks (reorder deadlines, keyframe retries).
        var tickInterval: Duration

        init(
            wsURL: String?, bindHost: String, rtc: RTCConfiguration, requestTimeout: Duration = .seconds(10),
            tickInterval: Duration = .milliseconds(100)
        ) {
            self.wsURL = wsURL
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
    private var legs: [UUID: RecordingLeg] = [:]
    /// The room's publications (other than ours: we publish nothing), by publisher.
    private var publications: [UUID: [TrackInfo]] = [:]
    /// Publishers whose subscription failed: not retried until their tracks change.
    private var gaveUp: Set<UUID> = []
    /// The files open per publisher (track ids), ended with its subscription.
    private var recording: [UUID: [TrackInfo]] = [:]
    /// Where a video track's PLI goes: its publisher's leg and its SSRC.
    private var keyframeTargets: [String: (publisher: UUID, ssrc: UInt32)] = [:]
    private var tasks: [Task<Void, Never>] = []
    private var stopping = false
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
        let now = RecordingSessions.now()
        for tracks in self.recording.values {
            for track in tracks { await self.sessions.removeTrack(self.key, trackID: track.id, now: now) }
        }
        self.recording = [:]
    }

    // MARK: Signaling

    private func follow() async {
        guard let token = self.job.joinToken, let url = self.settings.wsURL ?? self.job.wsUrl else {
            self.logger.error("the recording job carries no recorder seat: nothing is recorded")
            return
        }
        do throws(RecorderSignaling.Failure) {
            let signaling = try await RecorderSignaling.connect(url: url, token: token, timeout: self.settings.requestTimeout, logger: self.logger)
            self.signaling = signaling
            guard case .joined(let snapshot) = try await signaling.request(.join, timeout: self.settings.requestTimeout) else {
                self.logger.error("the recorder's join was not answered with joined")
                return
            }
            self.logger.info("recorder in the meeting", metadata: ["tracks": "\(snapshot.tracks.count)"])
            for track in snapshot.tracks where track.participantId != snapshot.you {
                self.publications[track.participantId, default: []].append(track)
            }
            await self.reconcile()
            for await message in signaling.events {
                if self.stopping { return }
                await self.handle(message)
            }
            if !self.stopping { self.logger.warning("the recorder's signaling socket closed") }
        } catch {
            self.logger.error("the recorder could not join the meeting", metadata: ["error": "\(error)"])
        }
    }

    private func handle(_ message: ServerMessage) async {
        switch message {
        case .tracks(let event):
            self.gaveUp.remove(event.participantId)
            if event.tracks.isEmpty {
                self.publications.removeValue(forKey: event.participantId)
            } else {
                self.publications[event.participantId] = event.tracks
            }
            await self.reconcile()
        case .participantLeft(let left):
            self.publications.removeValue(forKey: left.participantId)
            await self.reconcile()
        case .subscriptionClosed(let closed):
            guard let leg = self.legs[closed.publisherParticipantId], leg.transportId == closed.transportId else { return }
            await self.retire(leg)
            await self.reconcile()
        case .migrate(let instruction):
            // One of our subscriptions moves with its publisher: subscribe on its new node.
            guard let publisher = instruction.publisherParticipantId, let leg = self.legs[publisher],
                leg.transportId == instruction.transportId
            else { return }
            await self.retire(leg)
            await self.unsubscribe(leg.transportId)
            await self.reconcile()
        case .meetingEnded, .kicked, .sessionReplaced:
            self.logger.notice("the recorder was removed from the meeting", metadata: ["event": "\(message.type)"])
        default:
            break
        }
    }

    /// Subscribes to every publication not subscribed; drops subscriptions
    /// whose publication is gone or changed (renegotiated, moved).
    private func reconcile() async {
        for (publisher, leg) in self.legs {
            let now = Set(self.publications[publisher]?.map(\.id) ?? [])
            let recorded = Set(self.recording[publisher]?.map(\.id) ?? [])
            guard now != recorded else { continue }
            await self.retire(leg)
            await self.unsubscribe(leg.transportId)
        }
        for (publisher, tracks) in self.publications where self.legs[publisher] == nil && !self.gaveUp.contains(publisher) {
            guard !self.stopping else { return }
            guard tracks.contains(where: { Self.codec($0) != nil }) else { continue }
            await self.subscribe(to: publisher)
        }
    }

    private func subscribe(to publisher: UUID) async {
        guard let signaling = self.signaling else { return }
        do {
            guard case .subscription(let offer) = try await signaling.request(
                .subscribe(SubscribeRequest(participantId: publisher)), timeout: self.settings.requestTimeout)
            else { throw RecorderSignaling.Failure.timeout("subscribe answered something else") }
            let map = SubscriptionTrackMap(offer: offer)
            let recorded = map.byMid.filter { Self.codec($0.value) != nil }
            for track in recorded.values {
                try await self.sessions.addTrack(self.name(track, codec: Self.codec(track)!))
            }
            self.recording[publisher] = Array(recorded.values)
            let sink = self.mediaSink
            let tap = MediaTap(publisher: publisher, tracks: recorded) { sink.yield($0) }
            let socket = try await RTCSocket.bind(host: self.settings.bindHost, port: 0)
            let connection = PeerConnection(role: .client, socket: socket, configuration: self.settings.rtc, delegate: tap)
            let leg = RecordingLeg(publisher: publisher, transportId: offer.transportId, socket: socket, connection: connection)
            self.legs[publisher] = leg
            do {
                let answer = try await connection.acceptOffer(offer.offer, sendBack: false, policy: .withoutTransportCC)
                _ = try await signaling.request(
                    .subscribeAnswer(SubscribeAnswer(transportId: offer.transportId, answer: answer)), timeout: self.settings.requestTimeout)
            } catch {
                await self.retire(leg)
                throw error
            }
            self.logger.info(
                "recording a publisher",
                metadata: ["publisher": "\(publisher)", "transport": "\(offer.transportId)", "tracks": "\(recorded.count)"])
            if self.stopping { await leg.close() }
        } catch {
            self.gaveUp.insert(publisher)
            self.logger.warning("could not subscribe to a publisher", metadata: ["publisher": "\(publisher)", "error": "\(error)"])
        }
    }

    /// Closes a subscription here and finishes its tracks' files.
    private func retire(_ leg: RecordingLeg) async {
        self.legs.removeValue(forKey: leg.publisher)
        await leg.close()
        let now = RecordingSessions.now()
        for track in self.recording.removeValue(forKey: leg.publisher) ?? [] {
            self.keyframeTargets.removeValue(forKey: track.id)
            await self.sessions.removeTrack(self.key, trackID: track.id, now: now)
        }
    }

    private func unsubscribe(_ transportId: String) async {
        _ = try? await self.signaling?.request(.unsubscribe(UnsubscribeRequest(transportId: transportId)), timeout: self.settings.requestTimeout)
    }

    // MARK: Media

    private func consumeMedia() async {
        for await item in self.media {
            switch item {
            case .rtp(let packet, let trackID, let publisher, let now):
                if self.keyframeTargets[trackID] == nil, self.isVideo(trackID, of: publisher) {
                    self.keyframeTargets[trackID] = (publisher, packet.ssrc)
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
        guard let target = self.keyframeTargets[trackID], let leg = self.legs[target.publisher] else { return }
        leg.requestKeyframe(ssrc: target.ssrc)
    }

    private func isVideo(_ trackID: String, of publisher: UUID) -> Bool {
        self.recording[publisher]?.first { $0.id == trackID }.flatMap(Self.codec)?.isVideo ?? false
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
        case nil: track.kind == .mic ? .opus : nil
        default: nil
        }
    }
}
