import MeetRTP

/// One VP8 down-track's payload-descriptor view (#16 item 2): the picture
/// ID and TL0PICIDX the subscriber sees, continuous across what the node
/// changes in the stream, and the temporal layer it gets.
///
/// - **Picture ID / TL0PICIDX** (``rewrite(_:anchors:)``): every re-anchor
///   of the down-track's ``RTPMunger`` (a spatial layer switch, each layer
///   having its own picture-id space; a resume; the publisher's stream
///   restarting) re-anchors them too: the first picture after it gets the
///   last picture ID sent + 1 and, since it is a keyframe (TID 0), the last
///   TL0PICIDX + 1. Between anchors `out = in - offset` in the publisher's
///   own form (7 or 15 bits: the descriptor's length never changes), and
///   each picture the node drops (a temporal layer above the target)
///   moves the offset by one, so the subscriber sees consecutive picture
///   IDs; a picture lost upstream leaves its gap, so the receiver still
///   knows one is missing. A packet of the last or the one-before-last
///   picture (reordering) gets that picture's values.
/// - **Temporal layer** (``admits(_:)``): packets of frames whose TID is
///   above ``currentTemporalLayer`` are dropped (the caller closes their
///   sequence numbers through ``RTPMunger/skip(extendedSequenceNumber:)``;
///   timestamps stay). The current layer moves only at a frame's first
///   packet: down to the target at once; up on a keyframe (to the target)
///   or, one layer at a time, on a frame of the next layer up (at most the
///   target) that has the layer-sync bit (Y) set: a TID 2 Y frame after
///   TID 0 alone would be decodable, but the TID 1 frames after it refer to
///   TID 1 frames the node dropped. A stream without TIDs is forwarded
///   whole, as before.
///
/// A value stored in the ``DownTrack``; its ``VP8SentHistory`` (a class, one
/// ring allocated with the down-track) keeps what was sent per subscriber
/// sequence number, so a retransmission carries the rewritten values.
/// Unchecked-Sendable for that ring's pointer: like the router that holds
/// it, a down-track is used on one event loop only.
public struct VP8Munger: @unchecked Sendable {
    /// "All temporal layers" (VP8 has at most 4, TID 0–3).
    public static let allTemporalLayers = 3

    /// The temporal layer wanted (``Router/setTemporalLayer(_:publisherSSRC:subscriber:)``).
    public internal(set) var targetTemporalLayer = allTemporalLayers
    /// The highest temporal layer forwarded now.
    public internal(set) var currentTemporalLayer = allTemporalLayers
    /// Pictures dropped for their temporal layer (statistics).
    public internal(set) var droppedPictures = 0
    /// Frames of the next temporal layer up, wanted but not a sync (Y)
    /// frame, since the last up-step, keyframe or request: an encoder that
    /// never sets Y would otherwise hold the step until its next natural
    /// keyframe (``wantsSyncKeyframe``).
    private var framesWithoutSync = 0
    /// Frames of the next layer up without a Y before a keyframe is asked
    /// for the step: 16 is 2 s of L1T3's TID 1 at 30 fps (1 s of L1T2's).
    public static let framesWithoutSyncLimit = 16
    /// Set once ``framesWithoutSyncLimit`` such frames came: the router asks
    /// the layer for a keyframe (throttled) and clears it.
    public internal(set) var wantsSyncKeyframe = false
    public let history: VP8SentHistory
    /// The history's ring, written per packet without touching the class
    /// (no reference counting on the packet path); `history` keeps it alive.
    private let historySlots: UnsafeMutablePointer<VP8SentHistory.Entry>
    private let historyMask: Int
    /// The history's picture ring (``VP8SentHistory/pictures``) and its next slot.
    private let pictureRing: UnsafeMutablePointer<(input: Int32, output: Int32)>
    private var nextPicture = 0

    /// The munger's re-anchor count last seen; a change re-anchors here.
    private var anchorsSeen = -1
    private var anchorPending = true
    /// `out = in - pictureIDOffset` (mod the descriptor's modulus).
    private var pictureIDOffset = 0
    private var tl0Offset: UInt8 = 0
    /// Last picture forwarded: publisher's and subscriber's IDs (15-bit space), -1 none.
    private var lastIn = -1
    private var lastOut = -1
    private var previousIn = -1
    private var previousOut = -1
    private var lastOutTL0: Int = -1
    private var lastTL0In: UInt8 = 0
    private var lastTL0Out: UInt8 = 0
    /// Newest picture dropped for its temporal layer (each counted once), -1 none.
    private var lastDropped = -1
    /// Whether the frame being received is dropped (decided on its first packet).
    private var droppingFrame = false
    /// The last few pictures' decisions: a late packet follows its own frame's.
    private var decisions = PictureDecisions()
    /// A picture was dropped since the highest packet forwarded, and whether
    /// that packet ended its frame (RTP marker): then the next frame start
    /// closes every number between (``RTPMunger/continueAfterDrops(at:)``).
    private var droppedSinceForward = false
    private var highestForwarded: Int64 = -1
    private var highestEndedFrame = false

    init(historySlots: Int = VP8SentHistory.defaultSlotCount) {
        history = VP8SentHistory(slotCount: historySlots)
        self.historySlots = history.entries.baseAddress!
        historyMask = history.slotCount - 1
        pictureRing = history.pictures.baseAddress!
    }

    /// Remembers what went out as `entry.sequenceNumber` (``VP8SentHistory``).
    @inline(__always)
    func record(_ entry: VP8SentHistory.Entry) {
        historySlots[Int(entry.sequenceNumber) & historyMask] = entry
    }

    // MARK: Temporal layer

    /// Whether the packet with `fields` goes to the subscriber (its frame's
    /// temporal layer is wanted). Moves the current layer at frame starts.
    /// `reanchoring`: the down-track's `RTPMunger` re-anchors on this packet
    /// (a switch, a new source): the picture IDs seen so far are another
    /// stream's, so no picture is older than them.
    @inline(__always)
    mutating func admits(_ fields: VP8DescriptorFields, reanchoring: Bool = false) -> Bool {
        let tid = fields.temporalLayer
        guard tid >= 0 else { return true }
        let picture = fields.hasPictureID ? Int(fields.pictureID) : -1
        if !reanchoring, picture >= 0, lastIn >= 0, picture != lastIn,
           !Self.isNewer(picture, than: lastIn, modulus: fields.pictureIDModulus) {
            // A late packet (an upstream retransmission) of an older picture: forwarded when
            // its picture was, whatever the temporal layer now, so the number kept for it is
            // filled (session 16); a dropped picture stays dropped. Tested before frame
            // starts: a late first packet (a keyframe's, a Y frame's) is no sync point and
            // leaves the current temporal layer alone (review of session 16).
            let modulus = fields.pictureIDModulus
            if forwardedPicture(input: picture, modulus: modulus) != nil {
                droppingFrame = false
            } else if let admitted = decisions.decision(for: picture) {
                droppingFrame = !admitted
            } else {
                // Never seen: lost whole upstream, recovered late. Forwarded when its layer
                // is wanted and no picture was dropped after it, so that the offset it gets
                // its ID from is the one it would have had (else its ID would be a later
                // forwarded picture's). Its numbers were kept for it (`RTPMunger`).
                let noDropSince = lastDropped < 0 || Self.isNewer(picture, than: lastDropped, modulus: modulus)
                droppingFrame = !(noDropSince && tid <= currentTemporalLayer)
            }
        } else if fields.startsFrame {
            if fields.isKeyframe {
                currentTemporalLayer = targetTemporalLayer
                framesWithoutSync = 0
            } else if targetTemporalLayer < currentTemporalLayer {
                currentTemporalLayer = targetTemporalLayer
                framesWithoutSync = 0
            } else if tid == currentTemporalLayer + 1 && tid <= targetTemporalLayer {
                if fields.layerSync {
                    // One layer at a time (session 16): a Y frame depends on TL0 only, but the
                    // layer between's next frames would reference its frames the node dropped.
                    currentTemporalLayer = tid
                    framesWithoutSync = 0
                } else {
                    framesWithoutSync += 1
                    if framesWithoutSync >= Self.framesWithoutSyncLimit {
                        wantsSyncKeyframe = true
                        framesWithoutSync = 0
                    }
                }
            }
            droppingFrame = tid > currentTemporalLayer
            if picture >= 0 { decisions.record(picture, admitted: !droppingFrame) }
        } else if picture >= 0, let admitted = decisions.decision(for: picture) {
            // A later (or late) packet of a picture whose start was seen: the same decision,
            // so a frame is never cut in two by a target change (review, session 15).
            droppingFrame = !admitted
        } else if tid > currentTemporalLayer {
            droppingFrame = true
        } else {
            droppingFrame = false
        }
        if droppingFrame {
            droppedSinceForward = true
            pictureDropped(fields)
        }
        return !droppingFrame
    }

    /// Whether the admitted packet with `fields` starts the first frame
    /// after dropped ones, right after a complete forwarded frame.
    @inline(__always)
    func closesGap(_ fields: VP8DescriptorFields) -> Bool {
        fields.startsFrame && droppedSinceForward && highestEndedFrame
    }

    /// A packet went out as the subscriber's `output` (extended), `marker` its RTP marker.
    @inline(__always)
    mutating func forwarded(output: Int64, marker: Bool) {
        guard output > highestForwarded else { return }
        highestForwarded = output
        highestEndedFrame = marker
        droppedSinceForward = false
    }

    /// Sets the temporal layer wanted (0–3); it takes effect at a frame
    /// start (down) or a sync frame / keyframe (up).
    public mutating func setTargetTemporalLayer(_ layer: Int) {
        let target = min(max(layer, 0), Self.allTemporalLayers)
        // A new wait for a Y frame counts its own frames.
        if target != targetTemporalLayer { framesWithoutSync = 0 }
        targetTemporalLayer = target
    }

    /// The router asked for the keyframe ``wantsSyncKeyframe`` wanted.
    mutating func syncKeyframeRequested() {
        wantsSyncKeyframe = false
    }

    /// A picture the node does not forward: later pictures close its gap.
    private mutating func pictureDropped(_ fields: VP8DescriptorFields) {
        guard fields.hasPictureID, !anchorPending, lastIn >= 0 else { return }
        let id = Int(fields.pictureID)
        // Counted once: newer than the last forwarded and than every dropped one (a late
        // packet of an earlier dropped picture must not move the offset again).
        guard Self.isNewer(id, than: lastIn, modulus: fields.pictureIDModulus),
              lastDropped < 0 || Self.isNewer(id, than: lastDropped, modulus: fields.pictureIDModulus)
        else { return }
        lastDropped = id
        pictureIDOffset += 1
        droppedPictures += 1
    }

    // MARK: Picture ID / TL0PICIDX

    /// The picture ID and TL0PICIDX the subscriber gets for a forwarded
    /// packet with `fields` (in the descriptor's own form); `anchors` is
    /// the down-track munger's ``RTPMunger/anchors`` after mapping it.
    @inline(__always)
    mutating func rewrite(_ fields: VP8DescriptorFields, anchors: Int) -> (pictureID: UInt16, tl0PicIndex: UInt8) {
        if anchors != anchorsSeen {
            anchorsSeen = anchors
            anchorPending = true
        }
        let modulus = fields.pictureIDModulus
        var out = lastOut
        if fields.hasPictureID {
            let id = Int(fields.pictureID)
            if anchorPending {
                pictureIDOffset = lastOut >= 0 ? id - (lastOut + 1) : 0
                out = Self.wrap(id - pictureIDOffset, modulus)
                previousIn = -1
                previousOut = -1
                lastIn = id
                lastOut = out
                lastDropped = -1
                clearPictures()
                rememberPicture(input: id, output: out)
            } else if id == lastIn {
                out = lastOut
            } else if Self.isNewer(id, than: lastIn, modulus: modulus) {
                out = Self.wrap(id - pictureIDOffset, modulus)
                previousIn = lastIn
                previousOut = lastOut
                lastIn = id
                lastOut = out
                rememberPicture(input: id, output: out)
            } else if id == previousIn {
                out = previousOut
            } else {
                // An older picture (a late retransmission): the ID it went out with,
                // while the ring has it; the offset has grown with each drop since.
                out = forwardedPicture(input: id, modulus: modulus) ?? Self.wrap(id - pictureIDOffset, modulus)
            }
        }
        var tl0: UInt8 = 0
        if fields.hasTL0PicIndex {
            if anchorPending {
                tl0Offset = lastOutTL0 >= 0 ? fields.tl0PicIndex &- (UInt8(lastOutTL0) &+ 1) : 0
            }
            tl0 = fields.tl0PicIndex &- tl0Offset
            if anchorPending || Int8(bitPattern: fields.tl0PicIndex &- lastTL0In) > 0 {
                lastTL0In = fields.tl0PicIndex
                lastOutTL0 = Int(tl0)
            }
        }
        anchorPending = false
        return (UInt16(truncatingIfNeeded: max(out, 0)), tl0)
    }

    @inline(__always)
    private mutating func rememberPicture(input: Int, output: Int) {
        pictureRing[nextPicture] = (Int32(input), Int32(output))
        nextPicture = (nextPicture + 1) & (VP8SentHistory.pictureSlots - 1)
    }

    /// The ID the forwarded picture `input` went out with: newest first, and
    /// only within half the ID space of the newest (with 7-bit IDs, 64
    /// forwarded pictures can span more than the space, and an older slot
    /// would match a reused ID; review of session 16).
    private func forwardedPicture(input: Int, modulus: Int) -> Int? {
        let mask = VP8SentHistory.pictureSlots - 1
        var slot = (nextPicture - 1) & mask
        var newer = -1
        var span = 0
        for _ in 0..<VP8SentHistory.pictureSlots {
            let entry = pictureRing[slot]
            guard entry.input >= 0 else { return nil }
            let id = Int(entry.input)
            if newer >= 0 {
                span += Self.wrap(newer - id, modulus)
                guard span < modulus / 2 else { return nil }
            }
            if id == input { return Int(entry.output) }
            newer = id
            slot = (slot - 1) & mask
        }
        return nil
    }

    /// A re-anchor: the pictures before it belong to another stream.
    private mutating func clearPictures() {
        for slot in 0..<VP8SentHistory.pictureSlots { pictureRing[slot] = (-1, -1) }
        nextPicture = 0
    }

    /// `value` mod `modulus` (a power of two: 2^7 or 2^15), non-negative; a mask, no division.
    @inline(__always)
    static func wrap(_ value: Int, _ modulus: Int) -> Int {
        value & (modulus - 1)
    }

    /// `a` comes after `b` in a picture-id space of `modulus`.
    @inline(__always)
    static func isNewer(_ a: Int, than b: Int, modulus: Int) -> Bool {
        let distance = wrap(a - b, modulus)
        return distance > 0 && distance < modulus / 2
    }
}

/// What a VP8 down-track sent per subscriber sequence number, so a NACKed
/// packet is repeated as the subscriber first got it: from the same
/// publisher packet (layer and number: temporal drops move the munger's
/// offsets often, beyond its few kept segments), with the same timestamp,
/// picture ID and TL0PICIDX. A fixed ring indexed by the 16-bit sequence
/// number, allocated once with the down-track (no allocation per packet).
public final class VP8SentHistory: @unchecked Sendable {
    /// As many as the retransmission cache keeps by default.
    public static let defaultSlotCount = 512

    public struct Entry: Sendable, Equatable {
        public var publisherSequenceNumber: Int64
        /// The publisher SSRC whose cache holds the packet.
        public var source: UInt32
        public var timestamp: UInt32
        public var sequenceNumber: UInt16
        public var pictureID: UInt16
        public var tl0PicIndex: UInt8
        /// Whether the rewritten values apply (the descriptor had the fields).
        public var rewritten: Bool
    }

    public let slotCount: Int
    /// An entry with a negative `publisherSequenceNumber` was never written.
    let entries: UnsafeMutableBufferPointer<Entry>
    /// The last ``pictureSlots`` pictures forwarded: publisher's picture ID →
    /// subscriber's (-1: empty), so a late packet of an older picture (an
    /// upstream retransmission) is forwarded when its picture was, with the
    /// ID its picture went out with. 64: the pictures forwarded in the
    /// munger's segment history (``RTPMunger/temporalSegmentHistory``), about
    /// 2 s at 30 fps forwarded (16 before session 16: half a second).
    static let pictureSlots = 64
    let pictures: UnsafeMutableBufferPointer<(input: Int32, output: Int32)>

    /// `slotCount` must divide 65 536 (a power of two), so the ring follows the wrap.
    init(slotCount: Int) {
        precondition(slotCount > 0 && slotCount <= 65_536 && 65_536 % slotCount == 0)
        self.slotCount = slotCount
        entries = .allocate(capacity: slotCount)
        entries.initialize(repeating: Entry(
            publisherSequenceNumber: -1, source: 0, timestamp: 0, sequenceNumber: 0, pictureID: 0, tl0PicIndex: 0,
            rewritten: false))
        pictures = .allocate(capacity: Self.pictureSlots)
        pictures.initialize(repeating: (-1, -1))
    }

    deinit {
        entries.deallocate()
        pictures.deallocate()
    }

    /// What was sent as `sequenceNumber`, if still kept.
    public func entry(sequenceNumber: UInt16) -> Entry? {
        let slot = Int(sequenceNumber) & (slotCount - 1)
        guard entries[slot].publisherSequenceNumber >= 0, entries[slot].sequenceNumber == sequenceNumber else { return nil }
        return entries[slot]
    }
}

extension Router {
    /// The highest VP8 temporal layer (TID) `subscriber` gets of the track
    /// `publisherSSRC` (a simulcast group: of whichever layer it gets); nil
    /// or 3 for all. Lower takes effect at the next frame, higher at the
    /// next frame of a wanted layer with the layer-sync bit or a keyframe
    /// (``VP8Munger``). A simulcast group's down-track also gets it from
    /// its selector's temporal step on each retarget
    /// (``LayerSelector/targetTemporalLayer``), which then wins. False
    /// without such a VP8 down-track.
    @discardableResult
    public func setTemporalLayer(_ layer: Int?, publisherSSRC: UInt32, subscriber: Int) -> Bool {
        guard let position = table.positions[publisherSSRC],
              let index = table.tracks[position].downTrackIndex(subscriber: subscriber),
              table.tracks[position].downTracks[index].vp8 != nil
        else { return false }
        table.tracks[position].downTracks[index].vp8?.setTargetTemporalLayer(layer ?? VP8Munger.allTemporalLayers)
        return true
    }
}

/// The admit decisions of the last four pictures a VP8 down-track saw start
/// (picture ID → forwarded or dropped), inline: no allocation per packet.
struct PictureDecisions: Sendable {
    private var ids: (Int, Int, Int, Int) = (-1, -1, -1, -1)
    /// Bit i: slot i's picture was forwarded.
    private var admitted: UInt8 = 0
    private var next = 0

    /// The decision for picture `id`, nil when it is not among the last four.
    @inline(__always)
    func decision(for id: Int) -> Bool? {
        guard let slot = slot(of: id) else { return nil }
        return admitted & (1 << slot) != 0
    }

    @inline(__always)
    mutating func record(_ id: Int, admitted isAdmitted: Bool) {
        let slot = slot(of: id) ?? next
        switch slot {
        case 0: ids.0 = id
        case 1: ids.1 = id
        case 2: ids.2 = id
        default: ids.3 = id
        }
        if isAdmitted { admitted |= 1 << slot } else { admitted &= ~(1 << slot) }
        if slot == next { next = (next + 1) & 3 }
    }

    @inline(__always)
    private func slot(of id: Int) -> Int? {
        if ids.0 == id { return 0 }
        if ids.1 == id { return 1 }
        if ids.2 == id { return 2 }
        if ids.3 == id { return 3 }
        return nil
    }
}
