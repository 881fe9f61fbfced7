/// The node's control surface over the router's ``TrackTable`` (bus
/// handlers, the layer timer, metrics). Each call forwards to the table,
/// whose doc comments carry the contracts: `TrackTable.swift` (tracks,
/// down-tracks, hard mute), `TrackTable+Pause.swift` (last-N),
/// `TrackTable+Simulcast.swift` (layers). Not on the per-packet path;
/// these may allocate.
extension Router {
    @discardableResult
    public func addTrack(_ configuration: TrackConfiguration) -> Bool { table.addTrack(configuration) }

    /// The subscribers that had a down-track for the track. Its RTX
    /// streams go with it (`Router+Repair`).
    @discardableResult
    public func removeTrack(ssrc: UInt32) -> [Int] {
        if !repairs.isEmpty { removeRepairStreams(of: ssrc) }
        return table.removeTrack(ssrc: ssrc)
    }

    /// Whether it was added, and whether to request a keyframe upstream now.
    public func addDownTrack(
        publisherSSRC: UInt32, subscriber: Int, ssrc: UInt32, payloadType: UInt8? = nil,
        extensionIDs: ExtensionIDTable? = nil, paused: Bool = false, continuing previous: DownTrack? = nil,
        now: ContinuousClock.Instant
    ) -> (added: Bool, requestKeyframe: Bool) {
        table.addDownTrack(
            publisherSSRC: publisherSSRC, subscriber: subscriber, ssrc: ssrc, payloadType: payloadType,
            extensionIDs: extensionIDs, paused: paused, continuing: previous, now: now)
    }

    /// Removes one down-track and returns it, to continue its stream on
    /// another track (`addDownTrack(continuing:)`); nil when there was none.
    public func takeDownTrack(publisherSSRC: UInt32, subscriber: Int) -> DownTrack? {
        table.takeDownTrack(publisherSSRC: publisherSSRC, subscriber: subscriber)
    }

    @discardableResult
    public func removeDownTrack(publisherSSRC: UInt32, subscriber: Int) -> Bool {
        table.removeDownTrack(publisherSSRC: publisherSSRC, subscriber: subscriber)
    }

    public func removeSubscriber(_ subscriber: Int) { table.removeSubscriber(subscriber) }
    public func resetSource(publisherSSRC: UInt32) { table.resetSource(publisherSSRC: publisherSSRC) }

    /// Hard mute; whether to send a keyframe request upstream now.
    @discardableResult
    public func setMuted(_ muted: Bool, publisherSSRC: UInt32, now: ContinuousClock.Instant) -> Bool {
        table.setMuted(muted, publisherSSRC: publisherSSRC, now: now)
    }

    /// Last-N pause or resume; whether to send PLI/FIR upstream now.
    @discardableResult
    public func setPaused(_ paused: Bool, publisherSSRC: UInt32, subscriber: Int, now: ContinuousClock.Instant) -> Bool {
        table.setPaused(paused, publisherSSRC: publisherSSRC, subscriber: subscriber, now: now)
    }

    /// Where a keyframe request for `publisherSSRC` goes now (a simulcast
    /// group: the layers that need one; call it when sending the request).
    public func keyframeRequestSSRCs(for publisherSSRC: UInt32, subscriber: Int? = nil) -> [UInt32] {
        table.keyframeRequestSSRCs(for: publisherSSRC, subscriber: subscriber)
    }

    public func layers(ofGroup group: UInt32) -> [(index: Int, ssrc: UInt32, monitor: LayerMonitor)] {
        table.layers(ofGroup: group)
    }

    @discardableResult
    public func setLayerConstraints(
        _ constraints: LayerSelector.Constraints, publisherSSRC: UInt32, subscriber: Int, now: ContinuousClock.Instant
    ) -> Bool {
        table.setLayerConstraints(constraints, publisherSSRC: publisherSSRC, subscriber: subscriber, now: now)
    }

    public func retargetLayers(now: ContinuousClock.Instant) { table.retargetLayers(now: now) }

    /// Dynacast: the layer indices of the group `group` (of `count` negotiated) someone wants.
    public func wantedLayers(ofGroup group: UInt32, count: Int, now: ContinuousClock.Instant) -> Set<Int> {
        table.wantedLayers(ofGroup: group, count: count, now: now)
    }

    /// The group's layers as dynacast and the allocator know them, by index:
    /// those received now, and those dynacast paused at their last bitrate
    /// (``TrackTable/knownLayers(ofGroup:count:now:)``).
    public func knownLayers(ofGroup group: UInt32, now: ContinuousClock.Instant) -> [LayerDemand.Known] {
        table.knownLayers(ofGroup: group, count: LayerSelector.maximumLayers, now: now)
    }

    /// Dynacast: the layers of the group `group` its publisher was told to stop.
    @discardableResult
    public func setDynacastPaused(_ layers: Set<Int>, ofGroup group: UInt32) -> Bool {
        table.setDynacastPaused(layers, ofGroup: group)
    }

    public func isMuted(publisherSSRC: UInt32) -> Bool { table.isMuted(publisherSSRC: publisherSSRC) }

    // MARK: Inspection and metrics

    /// A snapshot of a track (statistics, down-tracks).
    public func track(ssrc: UInt32) -> PublishedTrack? { table.positions[ssrc].map { table.tracks[$0] } }
    public var trackCount: Int { table.tracks.count }
    public var downTrackCount: Int { table.downTrackCount }
    public var pausedDownTrackCount: Int { table.pausedDownTrackCount }
    public var publisherSSRCs: [UInt32] { table.tracks.map(\.ssrc) }

    public func downTracks(of subscriber: Int) -> [(publisherSSRC: UInt32, downTrack: DownTrack)] {
        table.downTracks(of: subscriber)
    }

    /// Nil when `subscriber` has no down-track of the track.
    public func isPaused(publisherSSRC: UInt32, subscriber: Int) -> Bool? {
        table.isPaused(publisherSSRC: publisherSSRC, subscriber: subscriber)
    }
}
