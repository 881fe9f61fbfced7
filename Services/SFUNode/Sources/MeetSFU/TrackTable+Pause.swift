/// Last-N (#15 item 3, docs/dev/last-n-design.md): pause and resume one
/// subscriber's down-track without renegotiating. The m-line and SSRC stay;
/// a paused down-track is skipped on the forwarding path (one Bool read),
/// gets no sender reports and no keyframe requests of its own, and so costs
/// nothing on the wire. Control path: these may allocate, the packet path
/// does not change shape.
extension TrackTable {
    /// Pauses (`true`) or resumes one down-track. Both mark the munger's
    /// discontinuity, so on resume the subscriber sees its next sequence
    /// number and a timestamp advanced by the time paused (a pause, not a
    /// jump; the same path as hard mute). Resuming video waits for a
    /// keyframe and returns whether to send PLI/FIR upstream now, throttled
    /// like a join (``KeyframeRequestThrottle/requestForNewSubscriber(now:)``),
    /// so a page change that resumes many subscribers of one track costs the
    /// publisher one keyframe. False for no change, an unknown track or
    /// subscriber, audio, or a hard-muted track (unmute asks then).
    mutating func setPaused(
        _ paused: Bool, publisherSSRC: UInt32, subscriber: Int, now: ContinuousClock.Instant
    ) -> Bool {
        guard let position = positions[publisherSSRC],
              let index = tracks[position].downTrackIndex(subscriber: subscriber),
              tracks[position].downTracks[index].isPaused != paused
        else { return false }
        tracks[position].downTracks[index].isPaused = paused
        tracks[position].downTracks[index].munger.markDiscontinuity()
        guard !paused, tracks[position].configuration.codec.isVideo else { return false }
        tracks[position].downTracks[index].waitingForKeyframe = true
        return !tracks[position].isMuted && tracks[position].keyframeThrottle.requestForNewSubscriber(now: now)
    }

    /// Whether `subscriber`'s down-track of the track is paused; nil when it has none.
    func isPaused(publisherSSRC: UInt32, subscriber: Int) -> Bool? {
        guard let position = positions[publisherSSRC],
              let index = tracks[position].downTrackIndex(subscriber: subscriber)
        else { return nil }
        return tracks[position].downTracks[index].isPaused
    }

    /// Paused down-tracks across all tracks (metrics, tests).
    var pausedDownTrackCount: Int {
        tracks.reduce(0) { total, track in track.downTracks.reduce(total) { $0 + ($1.isPaused ? 1 : 0) } }
    }
}
