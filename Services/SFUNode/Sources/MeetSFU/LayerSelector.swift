/// Picks and follows one simulcast layer of a published track for one
/// subscriber (#16 item 2; LiveKit's `Forwarder`, mediasoup's
/// `SimulcastConsumer`, learned, not copied). Sans-I/O: the router asks it
/// about each packet of the track's layers; the node sets its target from
/// the subscriber's constraints and the layers' state.
///
/// - **Target** (``retarget(layers:constraints:)``): the best active layer
///   whose picture fits the subscriber's `maxHeight` and whose bitrate fits
///   its `availableBitrate`; when none fits, the lowest active layer (always
///   something to show: pausing is the allocator's decision, not this one's).
///   Layers are ranked by height when both are known, else by bitrate when
///   both are measured, else by index: browsers list `sendEncodings` lowest
///   first by convention (mediasoup assumes the same), so that is the
///   fallback only, before a keyframe (VP8) or a bitrate window says more.
/// - **Switching** (``packet(layer:isKeyframe:)``): only on a keyframe of
///   the target layer; until one comes the current layer keeps flowing
///   (no freeze on a switch), and every packet of the target layer that is
///   not a keyframe says `needKeyframe`, for the caller to ask the publisher
///   for one through that layer's ``KeyframeRequestThrottle``.
/// - **Continuity** is the munger's: a switch tells the caller to mark a
///   discontinuity, so the next packet re-anchors (sequence number last + 1,
///   timestamp advanced by the wall time since the last packet) and the
///   subscriber sees one stream on one SSRC.
///
/// A value stored in the down-track; the per-packet decision is a few
/// integer comparisons, and `isKeyframe` is only evaluated for a packet of
/// a layer the selector is waiting for.
public struct LayerSelector: Sendable, Equatable {
    /// The most layers a track has (browsers send up to 3; RFC 8853 allows more).
    public static let maximumLayers = 4

    /// A layer as ``LayerMonitor`` reports it.
    public struct Layer: Sendable, Equatable {
        public var isActive: Bool
        /// Bits per second.
        public var bitrate: Int
        /// Picture height in pixels, when known.
        public var height: Int?
        /// Its temporal layers' rates (VP8 with TIDs; empty otherwise).
        public var temporal: TemporalRates

        public init(isActive: Bool, bitrate: Int, height: Int? = nil, temporal: TemporalRates = TemporalRates()) {
            self.isActive = isActive
            self.bitrate = bitrate
            self.height = height
            self.temporal = temporal
        }
    }

    /// What the subscriber can use.
    public struct Constraints: Sendable, Equatable {
        /// The largest picture height its tile needs (nil: no limit).
        public var maxHeight: Int?
        /// Bits per second the path to it affords (nil: not estimated yet).
        public var availableBitrate: Int?
        /// A screen share: a higher layer at any frame rate beats a lower
        /// one at full rate (``step(layers:constraints:)``).
        public var prefersResolution: Bool

        public init(maxHeight: Int? = nil, availableBitrate: Int? = nil, prefersResolution: Bool = false) {
            self.maxHeight = maxHeight
            self.availableBitrate = availableBitrate
            self.prefersResolution = prefersResolution
        }

        public static let unlimited = Constraints()
    }

    /// What to do with one packet.
    public enum Decision: Sendable, Equatable {
        /// Forward it on the current layer.
        case forward
        /// It is the target layer's keyframe: mark the munger's discontinuity, then forward it.
        case switchLayer
        /// Not for this subscriber; `needKeyframe` when it is the target
        /// layer's and not a keyframe (ask the publisher for one).
        case drop(needKeyframe: Bool)
    }

    /// The layer forwarded now; nil until the first keyframe.
    public private(set) var current: Int?
    /// The layer wanted; nil until the first ``retarget(layers:constraints:)`` with an active layer.
    public private(set) var target: Int?
    /// The VP8 temporal layer wanted of the target (nil: all), when the
    /// budget affords the target only at a lower frame rate
    /// (``step(layers:constraints:)``); the down-track applies it on the
    /// switch to the target, or at once when already on it.
    public private(set) var targetTemporalLayer: Int?
    /// Switches done (statistics).
    public private(set) var switches = 0
    /// What this subscriber can use; ``retarget(layers:)`` reads it.
    public var constraints: Constraints

    public init(target: Int? = nil, constraints: Constraints = .unlimited) {
        self.target = target
        self.constraints = constraints
    }

    /// Decides for one packet of `layer`; `isKeyframe` is only called when
    /// the answer depends on it. Before any target is set, the first layer
    /// seen becomes it (something to show at once; the next retarget
    /// corrects it).
    public mutating func packet(layer: Int, isKeyframe: () -> Bool) -> Decision {
        if target == nil { target = layer }
        if layer == target && layer != current {
            guard isKeyframe() else { return .drop(needKeyframe: true) }
            if current != nil { switches += 1 }
            current = layer
            return .switchLayer
        }
        return layer == current ? .forward : .drop(needKeyframe: false)
    }

    /// Starts over on the next keyframe of the target (the down-track
    /// resumed after a pause or a mute, or the publisher's stream restarted).
    public mutating func restart() {
        current = nil
    }

    /// Sets the target from the layers' state (index = layer) and
    /// ``constraints``; returns true when it changed. With no active layer
    /// the target stays (the publisher may be between frames or
    /// reconnecting).
    @discardableResult
    public mutating func retarget<Layers: Collection<Layer>>(layers: Layers) -> Bool where Layers.Index == Int {
        guard let stepped = Self.step(layers: layers, constraints: constraints) else { return false }
        let chosen = holdingTemporalStep(stepped, layers: layers)
        targetTemporalLayer = chosen.temporalLayer
        guard chosen.layer != target else { return false }
        target = chosen.layer
        return true
    }

    /// The share of `availableBitrate` a temporal step up must leave free:
    /// the node gives the selector a fifth more than the allocator's budget
    /// (`SubscriberBandwidth.selectorBudget`, so a layer measured a little
    /// above its budget one window is not left), and 1 − 1/6 of that is the
    /// budget itself.
    public static let temporalStepUpHeadroom = 6

    /// Hysteresis for temporal steps (session 16): a step that raises the
    /// temporal layer, on the target layer or into a better layer at fewer
    /// temporal layers, costs more than the current one, and is taken only
    /// when it fits `availableBitrate` less a sixth
    /// (``temporalStepUpHeadroom``, the allocator's own budget: the slack was
    /// there to keep a layer, not to buy a step the allocator did not
    /// grant). Otherwise the best step that fits that stricter budget, or the
    /// current one when that is lower. Down-steps and the spatial choice are
    /// ``step(layers:constraints:)``'s, at once: so a rate hovering at a step's
    /// boundary changes the temporal target once, not every retarget.
    private func holdingTemporalStep<Layers: Collection<Layer>>(
        _ chosen: (layer: Int, temporalLayer: Int?), layers: Layers
    ) -> (layer: Int, temporalLayer: Int?) where Layers.Index == Int {
        guard let available = constraints.availableBitrate, let target, layers.indices.contains(target),
              layers[target].isActive, layers.indices.contains(chosen.layer)
        else { return chosen }
        let current = (layer: target, temporalLayer: targetTemporalLayer)
        let currentCost = Self.cost(of: current, in: layers)
        // A step into another layer is a step up only from a target that still fits the
        // size (a shrunk tile must leave a layer above maxHeight at once) to a better layer.
        let targetFitsSize = constraints.maxHeight.map { max in layers[target].height.map { $0 <= max } ?? true } ?? true
        let raisesTemporal = chosen.layer == target
            ? (chosen.temporalLayer ?? Int.max) > (targetTemporalLayer ?? Int.max)
            : chosen.temporalLayer != nil && targetFitsSize
                && Self.isBetter(layers[chosen.layer], at: chosen.layer, than: layers[target], at: target)
                && Self.cost(of: chosen, in: layers) > currentCost
        guard raisesTemporal else { return chosen }
        let budget = available - available / Self.temporalStepUpHeadroom
        if Self.cost(of: chosen, in: layers) <= budget { return chosen }
        var strict = constraints
        strict.availableBitrate = budget
        guard let fallback = Self.step(layers: layers, constraints: strict),
              Self.cost(of: fallback, in: layers) >= currentCost
        else { return current }
        return fallback
    }

    /// What a step costs: the layer's rate up to its temporal layer, or its full rate.
    static func cost<Layers: Collection<Layer>>(of step: (layer: Int, temporalLayer: Int?), in layers: Layers) -> Int
    where Layers.Index == Int {
        let layer = layers[step.layer]
        guard let tid = step.temporalLayer, layer.temporal.count > 0 else { return layer.bitrate }
        return layer.temporal.bitrate(upTo: tid)
    }

    /// The lowest frame rate (frames/s) a camera's higher layer may drop
    /// to and still beat the full rate of the layer below: 15 fps (LiveKit
    /// keeps cameras at 15 fps or more the same way), less one because the
    /// monitor counts whole frames per 500 ms window (15 fps reads 14 or 16).
    public static let minimumStepFrameRate = 14

    /// The layer and temporal layer to target (session 15, temporal steps):
    /// the layer ``choose(layers:constraints:)`` picks at its full rate;
    /// then, with a budget (`availableBitrate`), the next better active
    /// layer that fits the size at fewer temporal layers, the most the
    /// budget affords, when that costs more than the chosen layer's full
    /// rate (costs rise with quality, so the allocator's steps stay
    /// ordered and the lowest layer's full rate stays the lowest step) and
    /// shows at least ``minimumStepFrameRate`` frames/s, or any frame rate
    /// when `prefersResolution` (a screen share). A layer without TIDs has
    /// only its full rate: the result is then ``choose(layers:constraints:)``'s.
    public static func step<Layers: Collection<Layer>>(layers: Layers, constraints: Constraints)
        -> (layer: Int, temporalLayer: Int?)?
    where Layers.Index == Int {
        guard let chosen = choose(layers: layers, constraints: constraints) else { return nil }
        guard let available = constraints.availableBitrate else { return (chosen, nil) }
        var next: Int?
        for index in layers.indices where index != chosen && layers[index].isActive {
            let layer = layers[index]
            let fitsSize = constraints.maxHeight.map { max in layer.height.map { $0 <= max } ?? true } ?? true
            guard fitsSize, isBetter(layer, at: index, than: layers[chosen], at: chosen) else { continue }
            if next.map({ isBetter(layers[$0], at: $0, than: layer, at: index) }) ?? true { next = index }
        }
        guard let next, let temporalLayer = temporalStep(
            of: layers[next], above: layers[chosen].bitrate, within: available,
            prefersResolution: constraints.prefersResolution)
        else { return (chosen, nil) }
        return (next, temporalLayer)
    }

    /// The highest temporal layer of `layer` below its full rate that costs
    /// more than `floor` and at most `budget` and shows enough frames (see
    /// ``step(layers:constraints:)``); nil when none.
    public static func temporalStep(of layer: Layer, above floor: Int, within budget: Int, prefersResolution: Bool) -> Int? {
        let rates = layer.temporal
        guard rates.count > 1 else { return nil }
        for tid in stride(from: rates.count - 2, through: 0, by: -1) {
            let cost = rates.bitrate(upTo: tid)
            guard cost > floor else { break }
            if cost <= budget && (prefersResolution || rates.frameRate(upTo: tid) >= minimumStepFrameRate) { return tid }
        }
        return nil
    }

    /// The layer to target: the best active one that fits, else the lowest active one.
    public static func choose<Layers: Collection<Layer>>(layers: Layers, constraints: Constraints) -> Int?
    where Layers.Index == Int {
        var best: Int?
        var lowest: Int?
        for index in layers.indices where layers[index].isActive {
            let layer = layers[index]
            if lowest.map({ isBetter(layers[$0], at: $0, than: layer, at: index) }) ?? true { lowest = index }
            let fitsSize = constraints.maxHeight.map { max in layer.height.map { $0 <= max } ?? true } ?? true
            let fitsRate = constraints.availableBitrate.map { layer.bitrate <= $0 } ?? true
            guard fitsSize, fitsRate else { continue }
            if best.map({ isBetter(layer, at: index, than: layers[$0], at: $0) }) ?? true { best = index }
        }
        return best ?? lowest
    }

    /// Higher picture (both known), else higher bitrate (both measured), else higher index.
    static func isBetter(_ a: Layer, at aIndex: Int, than b: Layer, at bIndex: Int) -> Bool {
        if let ha = a.height, let hb = b.height, ha != hb { return ha > hb }
        if a.bitrate > 0, b.bitrate > 0, a.bitrate != b.bitrate { return a.bitrate > b.bitrate }
        return aIndex > bIndex
    }
}
