/// The outcome of routing one packet (``Router/routeRTP(_:now:into:flush:)``;
/// also spelled `Router.RouteResult`).
public struct RouteResult: Sendable, Equatable {
    /// Why `routeRTP` forwarded nothing (also spelled `Router.Drop`).
    public enum Drop: Sendable, Equatable {
        case malformed
        case unknownSSRC
        case duplicate
        case muted
        /// A payload type other than the track's configured one (a codec
        /// switch), or than an RTX stream's (its RTX renumbered).
        case otherPayloadType
        /// A padding-only packet of the publisher's RTX stream (a bandwidth
        /// probe): logged for transport-wide feedback, nothing to forward.
        case repairPadding
        /// An RTX packet whose media stream is not routed (or has another
        /// payload type now than the one repaired), or too large to rebuild.
        case unrepairable
    }

    /// Copies written into the batch.
    public var forwarded = 0
    public var drop: Drop?
    /// The caller should send PLI (or FIR) for `publisherSSRC` upstream
    /// now: a down-track waits for a keyframe, or the loss was too large
    /// to repair. Already throttled.
    public var requestKeyframe = false
    public var publisherSSRC: UInt32 = 0
    /// Simulcast down-tracks this packet switched to its layer, and of
    /// those, how many took their timestamps from the layers' sender
    /// reports (``RTPMunger/alignTimestamps(shift:)``) rather than the wall time.
    public var layerSwitches: UInt16 = 0
    public var alignedLayerSwitches: UInt16 = 0
    /// VP8 down-tracks whose temporal up-step waited ``VP8Munger/framesWithoutSyncLimit``
    /// frames for a sync (Y) frame: `requestKeyframe` asks for one for them.
    public var syncKeyframeRequests: UInt16 = 0
}
