/// The forwarding table of one publisher transport (held by its ``Router``):
/// the published tracks by SSRC, each with the down-tracks of its
/// subscribers, and the (subscriber, subscriber-facing SSRC) map that
/// routes feedback back to a track. Its control operations (from the node's
/// bus handlers, through the router) add and remove tracks and down-tracks
/// and hard-mute; they may allocate. The router's per-packet path reads and
/// mutates `tracks` in place and allocates nothing.
struct TrackTable {
    struct SubscriberTrackKey: Hashable {
        var subscriber: Int
        var ssrc: UInt32
    }

    let maximumSubscribersPerTrack: Int
    /// Reserved per track (`PublishedTrack`); swapped on removal, so positions move.
    var tracks: ContiguousArray<PublishedTrack> = []
    var positions: [UInt32: Int] = [:]
    /// (subscriber, subscriber-facing SSRC) → publisher SSRC, for feedback.
    var feedbackRoutes: [SubscriberTrackKey: UInt32] = [:]

    init(maximumSubscribersPerTrack: Int) {
        self.maximumSubscribersPerTrack = maximumSubscribersPerTrack
    }

    /// Starts routing a published track. False if its SSRC is already routed.
    mutating func addTrack(_ configuration: TrackConfiguration) -> Bool {
        guard positions[configuration.ssrc] == nil else { return false }
        positions[configuration.ssrc] = tracks.count
        tracks.append(PublishedTrack(configuration: configuration, reservedDownTracks: maximumSubscribersPerTrack))
        return true
    }

    /// Stops routing a track; returns the subscribers that had a down-track
    /// for it (their transports should drop the track).
    mutating func removeTrack(ssrc: UInt32) -> [Int] {
        guard let position = positions.removeValue(forKey: ssrc) else { return [] }
        let removed = tracks[position].downTracks
        for downTrack in removed {
            feedbackRoutes[SubscriberTrackKey(subscriber: downTrack.subscriber, ssrc: downTrack.ssrc)] = nil
        }
        let last = tracks.count - 1
        if position != last {
            tracks.swapAt(position, last)
            positions[tracks[position].ssrc] = position
        }
        tracks.removeLast()
        return removed.map(\.subscriber)
    }

    /// Adds `subscriber`'s down-track for the track `publisherSSRC`, seen by
    /// the subscriber as `ssrc` (and `payloadType`, when it differs). Video
    /// down-tracks wait for a keyframe; the result says whether to request
    /// one upstream now (throttled, as a join: see
    /// ``KeyframeRequestThrottle/requestForNewSubscriber(now:)``). Nil if the track is unknown, the
    /// subscriber already has it, or the track is full. A down-track added
    /// `paused` (last-N: not selected) asks for nothing until resumed
    /// (``setPaused(_:publisherSSRC:subscriber:now:)``).
    mutating func addDownTrack(
        publisherSSRC: UInt32, subscriber: Int, ssrc: UInt32, payloadType: UInt8? = nil,
        extensionIDs: ExtensionIDTable? = nil, paused: Bool = false, continuing previous: DownTrack? = nil,
        now: ContinuousClock.Instant
    ) -> (added: Bool, requestKeyframe: Bool) {
        guard let position = positions[publisherSSRC],
              tracks[position].downTrackIndex(subscriber: subscriber) == nil,
              tracks[position].downTracks.count < maximumSubscribersPerTrack
        else { return (false, false) }
        let configuration = tracks[position].configuration
        let waits = configuration.codec.isVideo
        var downTrack = DownTrack(
            subscriber: subscriber, ssrc: ssrc, payloadType: payloadType, extensionIDs: extensionIDs,
            clockRate: configuration.clockRate, waitForKeyframe: waits, paused: paused,
            vp8: configuration.codec == .vp8)
        if let previous, previous.munger.clockRate == configuration.clockRate { downTrack.continueStream(of: previous) }
        tracks[position].downTracks.append(downTrack)
        feedbackRoutes[SubscriberTrackKey(subscriber: subscriber, ssrc: ssrc)] = publisherSSRC
        let request = waits && !paused && !tracks[position].isMuted
            && tracks[position].keyframeThrottle.requestForNewSubscriber(now: now)
        return (true, request)
    }

    /// Removes one down-track. False if there was none.
    mutating func removeDownTrack(publisherSSRC: UInt32, subscriber: Int) -> Bool {
        guard let position = positions[publisherSSRC],
              let index = tracks[position].downTrackIndex(subscriber: subscriber)
        else { return false }
        let removed = tracks[position].downTracks.remove(at: index)
        feedbackRoutes[SubscriberTrackKey(subscriber: subscriber, ssrc: removed.ssrc)] = nil
        return true
    }

    /// Removes one down-track and returns it (an audio slot moving to
    /// another track continues its stream, ``DownTrack/continueStream(of:)``).
    mutating func takeDownTrack(publisherSSRC: UInt32, subscriber: Int) -> DownTrack? {
        guard let position = positions[publisherSSRC],
              let index = tracks[position].downTrackIndex(subscriber: subscriber)
        else { return nil }
        let removed = tracks[position].downTracks.remove(at: index)
        feedbackRoutes[SubscriberTrackKey(subscriber: subscriber, ssrc: removed.ssrc)] = nil
        return removed
    }

    /// Removes every down-track of a subscriber transport (it closed).
    mutating func removeSubscriber(_ subscriber: Int) {
        for position in tracks.indices {
            if let index = tracks[position].downTrackIndex(subscriber: subscriber) {
                let removed = tracks[position].downTracks.remove(at: index)
                feedbackRoutes[SubscriberTrackKey(subscriber: subscriber, ssrc: removed.ssrc)] = nil
            }
        }
    }

    /// Hard mute (a host's `mute`): stop forwarding the track until unmuted.
    /// Each down-track re-anchors on resume, so subscribers see a pause, not
    /// a jump; video down-tracks wait for a keyframe. Returns whether to send
    /// a keyframe request upstream now (unmuting video).
    mutating func setMuted(_ muted: Bool, publisherSSRC: UInt32, now: ContinuousClock.Instant) -> Bool {
        guard let position = positions[publisherSSRC], tracks[position].isMuted != muted else { return false }
        tracks[position].isMuted = muted
        let video = tracks[position].configuration.codec.isVideo
        for index in tracks[position].downTracks.indices {
            tracks[position].downTracks[index].munger.markDiscontinuity()
            if video && !muted { tracks[position].downTracks[index].waitingForKeyframe = true }
        }
        return video && !muted && tracks[position].downTracks.contains { !$0.isPaused }
            && tracks[position].keyframeThrottle.request(now: now)
    }

    /// The publisher's stream restarted (new SSRC state after reconnecting,
    /// e.g. a migration): counters restart and every down-track re-anchors.
    mutating func resetSource(publisherSSRC: UInt32) {
        guard let position = positions[publisherSSRC] else { return }
        let configuration = tracks[position].configuration
        var fresh = PublishedTrack(configuration: configuration, reservedDownTracks: maximumSubscribersPerTrack)
        fresh.isMuted = tracks[position].isMuted
        fresh.dynacastPaused = tracks[position].dynacastPaused
        fresh.downTracks = tracks[position].downTracks
        for index in fresh.downTracks.indices {
            fresh.downTracks[index].munger.markDiscontinuity()
            if configuration.codec.isVideo { fresh.downTracks[index].waitingForKeyframe = true }
        }
        tracks[position] = fresh
    }

    /// Down-tracks across all tracks.
    var downTrackCount: Int { tracks.reduce(0) { $0 + $1.downTracks.count } }
    /// Every down-track `subscriber` has, with the publisher SSRC it follows
    /// (for statistics at close and for metrics).
    func downTracks(of subscriber: Int) -> [(publisherSSRC: UInt32, downTrack: DownTrack)] {
        tracks.compactMap { track in
            track.downTrackIndex(subscriber: subscriber).map { (track.ssrc, track.downTracks[$0]) }
        }
    }

    /// Whether the track is routed and hard-muted.
    func isMuted(publisherSSRC: UInt32) -> Bool {
        positions[publisherSSRC].map { tracks[$0].isMuted } ?? false
    }

}
