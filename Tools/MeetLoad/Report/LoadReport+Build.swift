/// Turning what the participants measured into the report's figures.
extension LoadReport {
    /// - Parameters:
    ///   - now: the end of the measurement (monotonic nanoseconds).
    ///   - firstFrameTimeoutNanos: an open subscription older than this
    ///     without media counts as error `no_first_frame`.
    init(
        config: Config, results: [ParticipantResult], recorded: LoadRecorder.State, now: UInt64,
        measuredSeconds: Double, firstFrameTimeoutNanos: UInt64
    ) {
        self.config = config
        self.measuredSeconds = measuredSeconds
        var errors = recorded.errors
        let all = results.flatMap(\.subscriptions)
        for subscription in all where subscription.active && subscription.expectsMedia && subscription.firstMediaAt == nil
            && now &- subscription.snapshot.subscribedAt > firstFrameTimeoutNanos {
            errors["no_first_frame", default: 0] += 1
        }
        participants = Participants(
            planned: results.count, joined: results.filter { $0.joinMillis != nil }.count,
            publishing: recorded.publishing)
        joinMs = Distribution(recorded.joinMillis)
        publishMs = Distribution(recorded.publishMillis)
        firstFrameMs = Distribution(all.compactMap { subscription in
            subscription.firstMediaAt.map { millis(from: subscription.snapshot.subscribedAt, to: $0) }
        })
        subscriptions = Subscriptions(
            total: all.count, video: all.filter(\.expectsVideo).count,
            withMedia: all.filter { $0.firstMediaAt != nil }.count,
            withoutMedia: all.filter { $0.expectsMedia && $0.firstMediaAt == nil }.count)
        perSubscriber = results.map { Self.subscriber($0, now: now) }
        let joined = perSubscriber.filter(\.joined)
        let videoTracks = all.flatMap { $0.snapshot.tracks.values.filter(\.isVideo) }
        let watchedNanos = videoTracks.compactMap { track in track.firstFrameAt.map { now &- $0 } }.reduce(0, +)
        subscribers = Subscribers(
            count: joined.count,
            videoFramesPerSubscriber: Distribution(joined.map { Double($0.videoFrames) }),
            videoFramesPerSecondPerSubscription: Distribution(videoTracks.compactMap { track in
                track.firstFrameAt.flatMap { first in
                    now > first ? Double(track.frames) / (Double(now - first) / 1e9) : nil
                }
            }),
            freezes: videoTracks.reduce(0) { $0 + $1.freezes },
            subscribersWithFreezes: joined.filter { $0.freezes > 0 }.count,
            subscriberConnectionsPerSubscriber: Distribution(joined.map { Double($0.subscriberConnections) }),
            frozenShare: watchedNanos == 0 ? 0 : Double(videoTracks.reduce(0) { $0 + $1.frozenNanos }) / Double(watchedNanos),
            receivedKbpsPerSubscriber: Distribution(joined.map(\.receivedKbps)))
        let tracks = all.flatMap(\.snapshot.tracks.values)
        let expected = tracks.reduce(0) { $0 + $1.expectedPackets }
        let lost = tracks.reduce(0) { $0 + $1.lostPackets }
        loss = Loss(expected: expected, lost: lost, ratio: expected == 0 ? 0 : Double(lost) / Double(expected))
        let sentCounters = results.compactMap(\.sent)
        let videoFrames = sentCounters.reduce(0) { $0 + $1.videoFrames }
        let videoPublishers = results.filter { $0.publishes == .audioAndVideo && $0.sent != nil }.count
        sent = Sent(
            videoFrames: videoFrames,
            videoFramesPerSecondPerPublisher: videoPublishers == 0 || measuredSeconds == 0
                ? 0 : Double(videoFrames) / Double(videoPublishers) / measuredSeconds,
            videoPackets: sentCounters.reduce(0) { $0 + $1.videoPackets },
            audioPackets: sentCounters.reduce(0) { $0 + $1.audioPackets },
            keyframes: sentCounters.reduce(0) { $0 + $1.keyframes },
            keyframeRequests: sentCounters.reduce(0) { $0 + $1.keyframeRequests },
            kbps: measuredSeconds > 0 ? Double(sentCounters.reduce(0) { $0 + $1.bytes }) * 8 / 1000 / measuredSeconds : 0)
        self.errors = errors
        errorsTotal = errors.values.reduce(0, +)
        otherEvents = recorded.otherEvents
        let changes = results.compactMap(\.speakerChanges)
        activeSpeakers = changes.isEmpty ? nil : ActiveSpeakerChanges(
            turns: changes.reduce(0) { $0 + $1.turns }, timed: changes.reduce(0) { $0 + $1.millis.count },
            changeMs: Distribution(changes.flatMap(\.millis)))
    }

    private static func subscriber(_ result: ParticipantResult, now: UInt64) -> Subscriber {
        let subscriptions = result.subscriptions
        let video = subscriptions.filter(\.expectsVideo)
        // Received rate: each open subscription's bytes over the time since its first packet.
        let kbps = subscriptions.filter(\.active).flatMap(\.snapshot.tracks.values).reduce(0.0) { sum, track in
            guard let first = track.firstPacketAt, now > first else { return sum }
            return sum + Double(track.bytes) * 8 / 1000 / (Double(now - first) / 1e9)
        }
        return Subscriber(
            index: result.index, meeting: result.meeting, publishes: result.publishes.rawValue,
            joined: result.joinMillis != nil, subscriptions: subscriptions.count,
            subscriptionsWithMedia: subscriptions.filter { $0.firstMediaAt != nil }.count,
            videoSubscriptions: video.count, videoSubscriptionsWithFrames: video.filter { $0.videoFrames > 0 }.count,
            videoFrames: subscriptions.reduce(0) { $0 + $1.videoFrames },
            freezes: subscriptions.flatMap(\.snapshot.tracks.values).reduce(0) { $0 + $1.freezes },
            receivedKbps: kbps, subscriberConnections: result.subscriberConnections, pageTurns: result.pageTurns)
    }
}
