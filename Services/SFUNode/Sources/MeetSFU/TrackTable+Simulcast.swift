import MeetRTCP
import MeetRTP

/// RID-based simulcast (#16, docs/dev/simulcast-status.md). A simulcast
/// track is a *group* (``TrackConfiguration/Simulcast/group``): one track
/// in the router whose down-tracks the subscribers have, with an SSRC the
/// node chose, that receives no packets itself; and its *layers*, one
/// routed track per publisher SSRC, each with its own statistics, NACK log,
/// retransmission cache, keyframe throttle and ``LayerMonitor``. A layer's
/// packet is counted on the layer, then fans out through the group's
/// down-tracks, where each down-track's ``LayerSelector`` decides whether it
/// is the layer that subscriber gets. So everything per SSRC (receiver
/// reports, NACKs and PLIs upstream) works as for any track, and a
/// subscriber sees one stream on one SSRC, continuous across layer
/// switches (``RTPMunger`` re-anchors on a switch). ``Router`` calls the
/// per-packet part from `routeRTP` (with ``DownTrack`` choosing the layer
/// and ``PublishedTrack`` feeding the layer's monitor) and exposes the
/// control part.
extension TrackTable {
    // MARK: Per packet (from routeRTP)

    /// For a simulcast layer's packet: its layer index, with `position`
    /// moved to its group's track; nil (and `position` unchanged) for any
    /// other packet, or a layer whose group is gone.
    @inline(__always)
    func enterGroup(of position: inout Int) -> Int? {
        guard case .layer(let group, let index)? = tracks[position].configuration.simulcast,
              let groupPosition = positions[group]
        else { return nil }
        position = groupPosition
        return index
    }

    // MARK: Feedback

    /// The cache a NACKed packet lives in: the track's own, or that of the
    /// layer its segment came from (`source`, ``RTPMunger/Retransmission``).
    func retransmissionCache(of position: Int, source: UInt32) -> RetransmissionCache? {
        guard source != 0 else { return tracks[position].cache }
        return positions[source].flatMap { tracks[$0].cache }
    }

    // MARK: Control

    /// The SSRCs a keyframe request for `publisherSSRC` goes to, now: for a
    /// group, asked by `subscriber` (its own PLI or FIR), the layer that
    /// subscriber gets now (else the one it waits for). Asked for the group
    /// (a join, an unmute, a resume, a request the throttle held back), the
    /// layers its down-tracks need a keyframe of (session 16, "Not done" 4;
    /// every layer before): the target of each one not paused that waits
    /// for a keyframe or a switch, and those of subscribers whose own
    /// request was held (``PublishedTrack/heldKeyframeLayers``, cleared
    /// here since the request goes out). Every layer when one of them has
    /// no target yet (the first layer seen becomes it) or none needs one.
    /// Any other track: itself.
    mutating func keyframeRequestSSRCs(for publisherSSRC: UInt32, subscriber: Int? = nil) -> [UInt32] {
        guard let position = positions[publisherSSRC], tracks[position].configuration.simulcast == .group else {
            return [publisherSSRC]
        }
        let layers = layers(ofGroup: publisherSSRC)
        if let subscriber, let index = tracks[position].downTrackIndex(subscriber: subscriber) {
            let selector = tracks[position].downTracks[index].layers
            if let wanted = selector.current ?? selector.target, let layer = layers.first(where: { $0.index == wanted }) {
                return [layer.ssrc]
            }
        }
        var wanted = tracks[position].heldKeyframeLayers
        tracks[position].heldKeyframeLayers = 0
        for downTrack in tracks[position].downTracks where !downTrack.isPaused {
            let selector = downTrack.layers
            guard downTrack.waitingForKeyframe || selector.current == nil || selector.current != selector.target else {
                continue
            }
            wanted |= Self.layerBit(selector.target)
        }
        let needed = layers.filter { $0.index < 8 && wanted & (1 << $0.index) != 0 }
        return needed.isEmpty ? layers.map(\.ssrc) : needed.map(\.ssrc)
    }

    /// A layer's bit in a keyframe mask; every bit for none (no target yet: any layer may become it).
    static func layerBit(_ layer: Int?) -> UInt8 {
        guard let layer, (0..<8).contains(layer) else { return .max }
        return 1 << layer
    }

    /// The layers routed for the group `group`, by index.
    func layers(ofGroup group: UInt32) -> [(index: Int, ssrc: UInt32, monitor: LayerMonitor)] {
        tracks.compactMap { track -> (index: Int, ssrc: UInt32, monitor: LayerMonitor)? in
            guard case .layer(group, let index)? = track.configuration.simulcast, let monitor = track.layerMonitor else {
                return nil
            }
            return (index, track.ssrc, monitor)
        }.sorted { $0.index < $1.index }
    }

    /// Sets what `subscriber` can use of the group `publisherSSRC` (its
    /// tile's height, its bandwidth) and retargets its layer. False when it
    /// has no down-track there.
    mutating func setLayerConstraints(
        _ constraints: LayerSelector.Constraints, publisherSSRC: UInt32, subscriber: Int, now: ContinuousClock.Instant
    ) -> Bool {
        guard let position = positions[publisherSSRC],
              let index = tracks[position].downTrackIndex(subscriber: subscriber)
        else { return false }
        tracks[position].downTracks[index].layers.constraints = constraints
        let layers = layerSnapshots(ofGroup: publisherSSRC, now: now)
        tracks[position].downTracks[index].layers.retarget(layers: layers)
        tracks[position].downTracks[index].applyTemporalTarget()
        return true
    }

    /// Retargets every simulcast down-track from its layers' state now
    /// (the node calls it a few times a second): a layer the publisher
    /// stopped sending is left, one it started is taken when it fits.
    mutating func retargetLayers(now: ContinuousClock.Instant) {
        for position in tracks.indices
        where tracks[position].configuration.simulcast == .group && !tracks[position].downTracks.isEmpty {
            let layers = layerSnapshots(ofGroup: tracks[position].ssrc, now: now)
            for index in tracks[position].downTracks.indices {
                tracks[position].downTracks[index].layers.retarget(layers: layers)
                tracks[position].downTracks[index].applyTemporalTarget()
            }
        }
    }

    /// Dynacast: the layers of the group `group`, of `count` negotiated,
    /// that its forwarding down-tracks want (``LayerDemand``; only the
    /// lowest when none forwards: no subscriber, all paused, hard-muted).
    func wantedLayers(ofGroup group: UInt32, count: Int, now: ContinuousClock.Instant) -> Set<Int> {
        guard let position = positions[group], count > 0 else { return [] }
        let known = knownLayers(ofGroup: group, count: count, now: now)
        var forwarding: [LayerSelector.Constraints] = []
        if !tracks[position].isMuted {
            for downTrack in tracks[position].downTracks where !downTrack.isPaused {
                forwarding.append(downTrack.layers.constraints)
            }
        }
        return LayerDemand.wanted(layers: known, constraints: forwarding)
    }

    /// The group's layers, of `count` negotiated, as dynacast and the
    /// allocator know them: each one being received now at its size and
    /// bitrate (`isActive`), each one dynacast paused at its last size and
    /// bitrate (`isActive` false: it comes back when wanted), nil for one
    /// never received **or stopped by the publisher on its own** (CPU, its
    /// uplink): that one costs a subscriber nothing it could be sent, and
    /// counts as a layer that may come (``LayerDemand``), not as one to
    /// budget for (session 13: it held budget at its last bitrate before).
    func knownLayers(ofGroup group: UInt32, count: Int, now: ContinuousClock.Instant) -> [LayerDemand.Known] {
        var known = [LayerDemand.Known](repeating: nil, count: min(count, LayerSelector.maximumLayers))
        let dynacastPaused = positions[group].map { tracks[$0].dynacastPaused } ?? []
        for layer in layers(ofGroup: group) where layer.index < known.count && layer.monitor.lastPacketAt != nil {
            let active = layer.monitor.isActive(now: now)
            guard active || dynacastPaused.contains(layer.index) else { continue }
            known[layer.index] = LayerSelector.Layer(
                isActive: active, bitrate: layer.monitor.bitrate, height: layer.monitor.height,
                temporal: layer.monitor.temporal)
        }
        return known
    }

    /// Dynacast: the layers of the group `group` its publisher was told to
    /// stop (``DynacastBook``, through the node's reporter). False when no such group.
    @discardableResult
    mutating func setDynacastPaused(_ layers: Set<Int>, ofGroup group: UInt32) -> Bool {
        guard let position = positions[group], tracks[position].configuration.simulcast == .group else { return false }
        if tracks[position].dynacastPaused != layers { tracks[position].dynacastPaused = layers }
        return true
    }

    /// The group's layers as selectors see them, by index (missing ones
    /// inactive; one silent while the others flow stalled, ``LayerMonitor``).
    func layerSnapshots(ofGroup group: UInt32, now: ContinuousClock.Instant) -> [LayerSelector.Layer] {
        var snapshots: [LayerSelector.Layer] = []
        let layers = layers(ofGroup: group)
        for layer in layers where layer.index < LayerSelector.maximumLayers {
            while snapshots.count <= layer.index { snapshots.append(.init(isActive: false, bitrate: 0)) }
            let others = layers.lazy.filter { $0.index != layer.index }.compactMap(\.monitor.lastPacketAt).max()
            snapshots[layer.index] = layer.monitor.snapshot(now: now, groupLastPacketAt: others)
        }
        return snapshots
    }
}

