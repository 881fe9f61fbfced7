import MeetProtocol
import MeetRTC
import MeetSFU

/// Whose video a carried track is, as a last-N selection names it.
struct VideoOwner: Hashable, Sendable {
    var participantId: String
    var source: SFUTrackSource
}

/// Last-N on a subscriber connection (#15 item 3, docs/dev/last-n-design.md):
/// the connection's ``VideoSelection`` decides, the publishers' routers
/// execute (``Router/setPaused(_:publisherSSRC:subscriber:now:)``). Pausing
/// never renegotiates: sections and SSRCs stay, a paused track just sends
/// nothing. The selection's `maxHeight` per video also reaches a simulcast
/// track's ``LayerSelector`` (#16 item 2, ``Router/setLayerConstraints(_:publisherSSRC:subscriber:now:)``):
/// a small tile gets a lower layer, switched on that layer's keyframe.
/// Without a selection (a client that never sent `video-preferences`) the
/// constraints stay unlimited: the top layer, as before. Event loop only.
extension SubscriberTransport {
    /// Replaces the connection's selection (`sfu.set-video-selection`):
    /// pauses every carried video not in `targets`, resumes those in it
    /// (each resume asks its publisher for a keyframe, throttled). Returns
    /// how many tracks changed state.
    @discardableResult
    func applyVideoSelection(_ targets: [SFUVideoTarget]) throws(VideoSelection<SubscribedTrack, VideoOwner>.Error) -> Int {
        assertOnOwningLoop()
        var selection: [VideoOwner: Int] = [:]
        for target in targets {
            let owner = VideoOwner(participantId: target.participantId, source: target.source)
            selection[owner] = max(selection[owner] ?? 0, target.maxHeight)
        }
        let changes = try videoSelection.apply(selection)
        let now = ContinuousClock.now
        for change in changes {
            switch change {
            case .pause(let track): setPaused(true, track: track, now: now)
            case .resume(let track): setPaused(false, track: track, now: now)
            }
        }
        for publisher in publishers {
            constrainLayers(of: publisher, now: now)
            // Resumes' keyframe requests (throttled), dynacast's wanted layers.
            publisher.noteWork()
        }
        return changes.count
    }

    /// Gives each simulcast group of `publisher` carried here the height
    /// the selection wants for its video (unlimited before any selection,
    /// or when paused). Retargets at once; the switch itself waits for the
    /// new layer's keyframe, which the router asks for (throttled).
    func constrainLayers(of publisher: PublisherTransport, now: ContinuousClock.Instant) {
        for (ssrc, routed) in publisher.routed where routed.simulcast == .group {
            constrainLayer(of: publisher, group: ssrc, mid: routed.mid, now: now)
        }
    }

    /// The same for one group (`addDownTrack`: a down-track made after the selection).
    func constrainLayer(of publisher: PublisherTransport, group: UInt32, mid: String, now: ContinuousClock.Instant) {
        guard handle >= 0 else { return }
        let track = SubscribedTrack(publisher: publisher.id, mid: mid)
        // The allocator's budget in force stays (`SubscriberTransport+Bandwidth`).
        publisher.router.setLayerConstraints(
            LayerSelector.Constraints(
                maxHeight: videoSelection.maxHeight(of: track), availableBitrate: bandwidth.budget(of: track),
                prefersResolution: publisher.sources[mid] == .screen),
            publisherSSRC: group, subscriber: handle, now: now)
    }

    /// Whether a new down-track for the publisher's section `mid` starts
    /// paused: a video the selection in force leaves out (always false for
    /// audio, and before any selection).
    func startsPaused(_ publisher: PublisherTransport, mid: String) -> Bool {
        guard publisher.remoteTracks.contains(where: { $0.mid == mid && $0.kind == .video }) else { return false }
        let owner = VideoOwner(participantId: publisher.participantId, source: publisher.sources[mid] ?? .camera)
        return videoSelection.trackAdded(SubscribedTrack(publisher: publisher.id, mid: mid), target: owner)
    }

    private func setPaused(_ paused: Bool, track: SubscribedTrack, now: ContinuousClock.Instant) {
        guard handle >= 0, let publisher = publishers.first(where: { $0.id == track.publisher }) else { return }
        for (ssrc, routed) in publisher.routed where routed.mid == track.mid {
            if publisher.router.setPaused(paused, publisherSSRC: ssrc, subscriber: handle, now: now) {
                publisher.sendKeyframeRequest(publisherSSRC: ssrc)
            }
        }
    }
}
