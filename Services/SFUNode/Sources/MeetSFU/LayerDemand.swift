/// Dynacast (#16 item 5): which simulcast layers of one track its
/// subscribers want, so the publisher can stop encoding the others. Pure
/// (sans-I/O): fed what the node knows of each negotiated layer and the
/// constraints of every down-track that forwards; ``TrackTable`` gathers
/// them, ``DynacastBook`` decides when to tell the publisher.
///
/// A layer is wanted when some subscriber's ``LayerSelector`` would choose
/// it were every layer the node has received sent now: the choice must not
/// depend on what is sent at the moment, or a paused top layer would never
/// be wanted back (the monitors keep a paused layer's last size and rate).
/// A layer never received (the publisher has not started it, or never
/// will: Chromium sends only two of three layers of a 640×360 camera; or
/// it was paused before its first packet) has no known size: it is wanted,
/// besides the subscriber's choice among the received ones, when it lies
/// above that choice by index (browsers list layers lowest first) and the
/// choice is smaller than the subscriber's limit (or either size is
/// unknown), so that a layer that may fit better is never kept off, while
/// what a subscriber can actually be sent is never paused for it.
///
/// The lowest layer is always wanted, even by nobody: a new subscriber, a
/// resumed tile or (later) a congested one then has video at once, while a
/// resumed upper layer takes a keyframe round trip. It costs about a tenth
/// of the top layer (150 of 2 150 kbit/s with the web client's encodings).
/// "Lowest" is the lowest-ranked layer the node has received, and every
/// never-received layer below it by index (a layer on its way must not be
/// paused before its first packet).
public enum LayerDemand {
    /// What is known of one negotiated layer (nil: nothing received yet).
    public typealias Known = LayerSelector.Layer?

    /// The indices of `layers` wanted by down-tracks with `constraints`
    /// (one entry per down-track that forwards), plus the lowest. Empty
    /// when `layers` is.
    public static func wanted(layers: [Known], constraints: some Sequence<LayerSelector.Constraints>) -> Set<Int> {
        guard !layers.isEmpty else { return [] }
        // Received layers count as sent; the others as absent.
        let received = layers.map { layer in
            LayerSelector.Layer(isActive: layer != nil, bitrate: layer?.bitrate ?? 0, height: layer?.height)
        }
        let highestUnreceived = layers.indices.last { layers[$0] == nil }
        var wanted = Set<Int>()
        for constraint in constraints {
            let chosen = LayerSelector.choose(layers: received, constraints: constraint)
            if let chosen { wanted.insert(chosen) }
            let chosenHeight = chosen.flatMap { layers[$0]?.height }
            let roomAbove = constraint.maxHeight.map { limit in chosenHeight.map { $0 < limit } ?? true } ?? true
            if roomAbove, let highestUnreceived, highestUnreceived > (chosen ?? -1) {
                wanted.insert(highestUnreceived)
            }
        }
        wanted.formUnion(lowest(layers))
        return wanted
    }

    /// What each layer a subscriber's tile can use would cost it (bits/s,
    /// lowest first), for the ``BandwidthAllocator``: every known layer
    /// (``Router/knownLayers(ofGroup:now:)``: received now, or paused by
    /// dynacast) whose height fits `maxHeight` (or is unknown), at its last
    /// measured bitrate, **dynacast's paused ones included**. Such a layer
    /// comes back once some subscriber's budget fits it; left out here, a
    /// budget would only ever cover what is sent now, and a tile that grew
    /// would never get the top layer back (session 12). A layer the
    /// publisher stopped on its own is not known (nil): it would hold budget
    /// for something that cannot be sent (session 13). At least the cheapest layer.
    ///
    /// **Temporal steps** (session 15): between two of these layers, the
    /// higher one at fewer VP8 temporal layers, where it measured them, by
    /// ``LayerSelector/temporalStep(of:above:within:prefersResolution:)``'s
    /// rule (more than the lower layer's full rate; about 15 frames/s or
    /// more unless `prefersResolution`, a screen share), so a budget between
    /// two layers buys the higher picture at a lower frame rate. Never
    /// below the lowest layer's full rate: the pause rules are unchanged.
    public static func costs(of layers: [Known], maxHeight: Int?, prefersResolution: Bool = false) -> [Int] {
        let measured = layers.compactMap { $0 }.filter { $0.bitrate > 0 }
        let fitting = measured.filter { layer in
            maxHeight.map { limit in layer.height.map { $0 <= limit } ?? true } ?? true
        }
        let chosen = (fitting.isEmpty ? Array(measured.sorted { $0.bitrate < $1.bitrate }.prefix(1)) : fitting)
            .sorted { $0.bitrate < $1.bitrate }
        var costs: [Int] = []
        for (index, layer) in chosen.enumerated() {
            if index > 0, layer.temporal.count > 1 {
                let floor = chosen[index - 1].bitrate
                for tid in 0..<(layer.temporal.count - 1) {
                    let cost = layer.temporal.bitrate(upTo: tid)
                    if cost > floor && cost < layer.bitrate
                        && (prefersResolution || layer.temporal.frameRate(upTo: tid) >= LayerSelector.minimumStepFrameRate) {
                        costs.append(cost)
                    }
                }
            }
            costs.append(layer.bitrate)
        }
        return costs
    }

    /// Below this (bits/s) on every layer being received, a camera counts as
    /// turned off: a disabled track still sends black frames, a few bytes
    /// each (the web client's camera-off: `track.enabled = false`; measured
    /// 7 kbit/s of payload from Chromium, about 16 with RTP headers), while
    /// even the 160×90 layer of a live camera takes 30 kbit/s or more.
    public static let mutedBitrate = 24_000

    /// Whether the group with `layers` looks muted: something was received,
    /// and no layer being received now carries ``mutedBitrate`` (black
    /// frames, or nothing at all). Layers dynacast paused do not count.
    /// The allocator ranks such a video last (``BandwidthAllocator/Priority/muted``).
    public static func looksMuted(_ layers: [Known]) -> Bool {
        let known = layers.compactMap { $0 }
        return !known.isEmpty && !known.contains { $0.isActive && $0.bitrate >= mutedBitrate }
    }

    /// The lowest-ranked received layer and every unreceived one below it
    /// by index; every layer when none was received yet.
    static func lowest(_ layers: [Known]) -> Set<Int> {
        var lowestKnown: Int?
        for index in layers.indices {
            guard let layer = layers[index] else { continue }
            if let current = lowestKnown, let known = layers[current],
               !LayerSelector.isBetter(known, at: current, than: layer, at: index)
            {
                continue
            }
            lowestKnown = index
        }
        guard let lowestKnown else { return Set(layers.indices) }
        var result: Set<Int> = [lowestKnown]
        for index in 0..<lowestKnown where layers[index] == nil { result.insert(index) }
        return result
    }
}
