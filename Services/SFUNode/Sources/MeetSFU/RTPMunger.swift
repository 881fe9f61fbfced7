/// Rewrites one publisher stream into one subscriber-facing stream: the
/// sequence numbers and timestamps a subscriber sees stay continuous even
/// when forwarding stops and starts again (hard mute, a later layer switch,
/// the publisher reconnecting with a fresh stream after a migration).
///
/// The mapping is an offset on 64-bit extended counters (the publisher's
/// side comes from `RTPCounterUnwrapper`, unwrapped once per packet for all
/// subscribers): `out = in - offset`. A *discontinuity* (`markDiscontinuity`)
/// makes the next packet re-anchor: its sequence number becomes the last one
/// sent + 1 and its timestamp the last one sent + the wall time elapsed in
/// clock ticks, so a jitter buffer sees a pause, not a jump (a simulcast
/// layer switch whose two layers have sent reports maps the timestamp
/// through them instead: ``alignTimestamps(shift:)``). Packets older
/// than the re-anchor point are dropped: they belong to a segment the
/// subscriber has already left.
///
/// Offsets of the last few segments are kept so a subscriber's NACK for a
/// packet sent before a re-anchor still maps back to the publisher's number
/// (`mapNACK`), and a late packet (an upstream retransmission) from before
/// a ``skip(extendedSequenceNumber:)`` still gets the number it was given.
/// Each segment also remembers its *source*: a simulcast
/// subscriber's segments come from different layers (one SSRC and sequence
/// space each), so a NACK must be answered from the right layer's cache. Modelled on livekit `pkg/sfu/rtpmunger.go`; a value type with
/// fixed-size storage, so munging allocates nothing.
///
/// How many segments are kept: ``segmentHistory`` (4, inline) by default;
/// a down-track that drops temporal layers (VP8) starts a segment at
/// nearly every forwarded frame, so it keeps ``temporalSegmentHistory``
/// (64) in a ring allocated once with it (``SegmentRing``, copied on write:
/// the munger stays a value). The current segment always lives inline, so
/// the per-packet path reads no ring.
public struct RTPMunger: Sendable {
    /// What the subscriber sees for one forwarded packet.
    public struct Output: Sendable, Equatable {
        public var sequenceNumber: UInt16
        public var timestamp: UInt32
        /// The subscriber-side extended sequence number.
        public var extendedSequenceNumber: Int64
    }

    /// One stretch of packets forwarded with the same offsets.
    @usableFromInline
    struct Segment: Sendable {
        var firstOutput: Int64
        var sequenceOffset: Int64
        var timestampOffset: Int64
        /// The publisher SSRC the segment's packets came from; 0 for the track's own.
        var source: UInt32 = 0
        /// The first publisher number the segment maps (a skip's segment starts after the skipped packet).
        var firstInput: Int64 = 0

        /// The first subscriber number the segment maps to. `firstOutput`
        /// is the number after the last one sent when the segment began
        /// (whether the segment has sent anything yet); a skip's segment may
        /// start mapping above it, where a packet lost upstream before the
        /// skip keeps its number in the segment before (review, session 16).
        var firstMapped: Int64 { firstInput - sequenceOffset }
    }

    /// Where a subscriber's NACKed sequence number lives in the publisher's stream.
    public struct Retransmission: Sendable, Equatable {
        public var publisherSequenceNumber: Int64
        /// Subtract (mod 2^32) from the cached packet's timestamp.
        public var timestampOffset: Int64
        /// The publisher SSRC whose cache holds it (a simulcast layer); 0 for the track's own.
        public var source: UInt32 = 0
    }

    /// Segments kept by default (the current one and 3 before it).
    public static let segmentHistory = 4
    /// Segments kept by a down-track that drops temporal layers: one starts
    /// at each forwarded frame followed by a dropped one, so at most 30 a
    /// second for a 30 fps publisher at half its frame rate (60 fps at
    /// 30). 64 cover about 2 s of that, twice the time the node asks its
    /// publisher for a lost packet (``NACKGenerator/Configuration/maxAge``,
    /// 1 s): an upstream retransmission comes within it or never (review,
    /// session 15: 4 covered 4 to 8 forwarded frames, 260 to 530 ms).
    public static let temporalSegmentHistory = 64

    public let clockRate: Int
    /// Segments reachable (``segmentHistory`` or ``temporalSegmentHistory``).
    public let segmentLimit: Int
    /// The segment packets are mapped with now.
    private var currentSegment: Segment
    /// Older segments, by push order modulo their count: inline (3) or the ring.
    private var olderInline: (Segment, Segment, Segment)
    private var ring: SegmentRing?
    private var segmentCount = 0
    private var resyncPending = true
    private var firstInput: Int64 = 0
    private var highestOutput: Int64 = -1
    private var highestOutputTimestamp: Int64 = 0
    private var lastForwardedAt: ContinuousClock.Instant?
    /// The source of the segment the next re-anchor starts.
    private var nextSource: UInt32 = 0
    /// NACKs below this output number map to nothing (``handOver()``).
    private var nackFloor: Int64 = 0
    /// The pending re-anchor's timestamp mapping from the sender reports
    /// (``alignTimestamps(shift:)``); nil: the wall time since the last packet.
    private var timestampShift: Int64?

    /// `segmentHistory`: ``segmentHistory`` (inline) or more, in a ring
    /// allocated here (rounded up so the older ones fill a power of two).
    public init(clockRate: Int, segmentHistory: Int = Self.segmentHistory) {
        self.clockRate = clockRate
        let empty = Segment(firstOutput: 0, sequenceOffset: 0, timestampOffset: 0)
        currentSegment = empty
        olderInline = (empty, empty, empty)
        if segmentHistory > Self.segmentHistory {
            var older = 1
            while older < segmentHistory - 1 { older <<= 1 }
            ring = SegmentRing(capacity: older)
            segmentLimit = older + 1
        } else {
            segmentLimit = Self.segmentHistory
        }
    }

    /// True until the first packet has been forwarded.
    public var isStarted: Bool { highestOutput >= 0 }

    /// Whether the next packet mapped re-anchors (a discontinuity is marked).
    public var isResyncPending: Bool { resyncPending }

    /// Re-anchors so far (a VP8 down-track's ``VP8Munger`` re-anchors its picture IDs with them).
    public private(set) var anchors = 0
    /// Re-anchors on another source than the last one sent (a simulcast
    /// layer switch), and of those the ones whose timestamp came from the
    /// sender reports (``alignTimestamps(shift:)``).
    public private(set) var sourceSwitches = 0
    public private(set) var alignedAnchors = 0

    /// The highest subscriber-side extended sequence number sent so far.
    public var lastSequenceNumber: Int64? { highestOutput >= 0 ? highestOutput : nil }

    /// The timestamp offset in use now (for translating sender reports).
    public var currentTimestampOffset: Int64 { segmentCount > 0 ? currentSegment.timestampOffset : 0 }

    /// Forwarding paused or the source changed: re-anchor on the next packet.
    public mutating func markDiscontinuity() {
        resyncPending = true
        timestampShift = nil
    }

    /// The next packet comes from another stream, `source` (a simulcast
    /// layer switch): re-anchor on it, and map NACKs for what follows to it.
    public mutating func markDiscontinuity(source: UInt32) {
        resyncPending = true
        nextSource = source
        timestampShift = nil
    }

    /// The source of the packets mapped now (0: the track's own stream).
    public var currentSource: UInt32 { currentSegment.source }

    /// How far a re-anchor's timestamp may be after the wall-time guess
    /// and still be taken from the sender reports (``alignTimestamps(shift:)``):
    /// half a second. Arrival jitter is far less; a report that maps farther
    /// is not believed.
    public var timestampAlignmentTolerance: Int64 { Int64(clockRate / 2) }
    /// How far it may be before the last timestamp sent: 40 ms, a frame at
    /// 25 fps (the new layer's keyframe may be of a frame the old layer had
    /// already sent; it goes one tick after it). A report that maps farther
    /// back is not believed either: the wall time then.
    public var timestampAlignmentBacklog: Int64 { Int64(clockRate / 25) }

    /// Whether the pending re-anchor has a timestamp mapping (``alignTimestamps(shift:)``).
    public var isAlignmentPending: Bool { timestampShift != nil }

    /// The pending re-anchor (a layer switch) maps its first packet's
    /// timestamp through the sender reports of the two streams: `shift` is
    /// ``SenderClock/shift(from:to:clockRate:)`` from the current source's
    /// clock to the next one's. The packet then gets the timestamp the
    /// current source would have given the same captured instant, so a
    /// frame keeps its time across the switch (a receiver's jitter buffer
    /// and lip sync see no step); at least one tick after the last one
    /// sent, and only up to ``timestampAlignmentTolerance`` after the
    /// wall-time guess and ``timestampAlignmentBacklog`` before the last
    /// timestamp sent. Nothing without a pending re-anchor.
    public mutating func alignTimestamps(shift: Int64) {
        guard resyncPending, highestOutput >= 0 else { return }
        timestampShift = shift
    }

    /// The same subscriber-facing stream goes on from another publisher's
    /// stream (an audio slot switching speakers, ``AudioSlotAssignment``):
    /// the next packet re-anchors after the last one sent, and NACKs for
    /// what was sent before map to nothing, since those packets live in
    /// another track's cache.
    public mutating func handOver() {
        resyncPending = true
        timestampShift = nil
        nextSource = 0
        nackFloor = highestOutput + 1
    }

    /// Maps a publisher packet, given its extended sequence number and
    /// timestamp, to the subscriber's numbering; nil means drop it (older
    /// than the last re-anchor).
    public mutating func map(
        extendedSequenceNumber input: Int64, extendedTimestamp inputTimestamp: Int64,
        now: ContinuousClock.Instant
    ) -> Output? {
        if resyncPending {
            resync(input: input, inputTimestamp: inputTimestamp, now: now)
        } else if input < firstInput {
            return nil
        }
        var segment = currentSegment
        if input < segment.firstInput {
            // A late packet from before a skip: the segment it belongs to, unless its
            // number was given to a later packet (a gap closed by `continueAfterDrops`).
            guard let older = olderSegment(containing: input) else { return nil }
            segment = older
        }
        let output = input - segment.sequenceOffset
        let outputTimestamp = inputTimestamp - segment.timestampOffset
        if output > highestOutput {
            highestOutput = output
            highestOutputTimestamp = outputTimestamp
            lastForwardedAt = now
        }
        return Output(
            sequenceNumber: UInt16(truncatingIfNeeded: output),
            timestamp: UInt32(truncatingIfNeeded: outputTimestamp),
            extendedSequenceNumber: output)
    }

    /// The node drops the publisher packet `input` (a temporal layer the
    /// subscriber does not get): later packets close its gap, so the
    /// subscriber's sequence numbers stay consecutive (timestamps stay).
    /// A packet older than the last one sent, or before any is sent, changes nothing.
    /// A late dropped packet from before the current segment changes nothing
    /// (its number stays with the packets around it). Only a skip right at the
    /// current segment's start (consecutive dropped packets) widens it; a
    /// skip further on starts a new segment, so the packets lost between two
    /// skips keep their numbers (review of session 16).
    public mutating func skip(extendedSequenceNumber input: Int64) {
        guard !resyncPending, highestOutput >= 0, input >= firstInput else { return }
        var segment = currentSegment
        guard input >= segment.firstInput, input - segment.sequenceOffset > highestOutput else { return }
        segment.sequenceOffset += 1
        segment.firstInput = input + 1
        if input == currentSegment.firstInput && segment.firstOutput > highestOutput {
            replaceCurrent(segment)
        } else {
            segment.firstOutput = highestOutput + 1
            push(segment)
        }
    }

    /// The first packet of a frame forwarded after dropped frames (a VP8
    /// temporal layer), when the last packet sent ended its frame: it takes
    /// the number after the last one sent. ``skip(extendedSequenceNumber:)``
    /// closes the numbers of the dropped packets the node saw; this closes
    /// those of dropped frames' packets lost before the node, which a
    /// subscriber would otherwise NACK in vain (review, session 15). A late
    /// packet from the closed stretch is dropped (``map``).
    public mutating func continueAfterDrops(at input: Int64) {
        guard !resyncPending, highestOutput >= 0, input >= firstInput else { return }
        var segment = currentSegment
        let offset = input - (highestOutput + 1)
        guard offset > segment.sequenceOffset else { return }
        segment.sequenceOffset = offset
        segment.firstInput = input
        if segment.firstOutput > highestOutput {
            replaceCurrent(segment)
        } else {
            segment.firstOutput = highestOutput + 1
            push(segment)
        }
    }

    /// Maps a sequence number a subscriber NACKed back to the publisher's
    /// stream; nil when it was never sent or predates the kept segments.
    public func mapNACK(_ sequenceNumber: UInt16) -> Retransmission? {
        guard highestOutput >= 0 else { return nil }
        let delta = Int64(Int16(bitPattern: sequenceNumber &- UInt16(truncatingIfNeeded: highestOutput)))
        let output = highestOutput + delta
        guard delta <= 0, output >= nackFloor else { return nil }
        for age in 0..<min(segmentCount, segmentLimit) {
            let segment = self.segment(age: age)
            if output >= segment.firstMapped {
                return Retransmission(
                    publisherSequenceNumber: output + segment.sequenceOffset,
                    timestampOffset: segment.timestampOffset, source: segment.source)
            }
        }
        return nil
    }

    // MARK: Segments

    private mutating func resync(input: Int64, inputTimestamp: Int64, now: ContinuousClock.Instant) {
        resyncPending = false
        firstInput = input
        anchors += 1
        guard highestOutput >= 0, let lastForwardedAt else {
            // First packet ever: the subscriber sees the publisher's own numbers.
            push(Segment(firstOutput: input, sequenceOffset: 0, timestampOffset: 0, source: nextSource, firstInput: input))
            return
        }
        let output = highestOutput + 1
        let jump = max(1, (now - lastForwardedAt).rtpTicks(clockRate: clockRate))
        var outputTimestamp = highestOutputTimestamp + jump
        if nextSource != currentSegment.source { sourceSwitches += 1 }
        if let shift = timestampShift {
            // What the current source's stream gives this instant, through its offset,
            // brought next to the wall-time guess (the streams' bases differ mod 2^32).
            let mapped = inputTimestamp - shift - currentSegment.timestampOffset
            let difference = Int64(Int32(truncatingIfNeeded: mapped &- outputTimestamp))
            let aligned = outputTimestamp + difference
            if difference <= timestampAlignmentTolerance,
               aligned >= highestOutputTimestamp - timestampAlignmentBacklog {
                outputTimestamp = max(highestOutputTimestamp + 1, aligned)
                alignedAnchors += 1
            }
            timestampShift = nil
        }
        push(Segment(
            firstOutput: output,
            sequenceOffset: input - output,
            timestampOffset: inputTimestamp - outputTimestamp, source: nextSource, firstInput: input))
    }

    /// The kept segment after the last re-anchor that maps `input` (older
    /// than the current one's start), unless the number it maps `input` to
    /// was given to a later packet: a stretch closed by
    /// ``continueAfterDrops(at:)`` ends where the next segment's mapping
    /// starts (the next one's, not the current one's: with many segments
    /// kept, a late packet could otherwise take a number already sent).
    private func olderSegment(containing input: Int64) -> Segment? {
        var newerFirstMapped = currentSegment.firstMapped
        for age in 1..<max(1, min(segmentCount, segmentLimit)) {
            let segment = self.segment(age: age)
            if input >= segment.firstInput {
                guard segment.firstInput >= firstInput, input - segment.sequenceOffset < newerFirstMapped else { return nil }
                return segment
            }
            newerFirstMapped = segment.firstMapped
        }
        return nil
    }

    private mutating func replaceCurrent(_ segment: Segment) {
        currentSegment = segment
    }

    /// The segment `age` re-anchors ago (0 is the current one).
    private func segment(age: Int) -> Segment {
        if age == 0 { return currentSegment }
        let index = segmentCount - 1 - age
        if let ring { return ring.slots[index & (ring.capacity - 1)] }
        switch index % 3 {
        case 0: return olderInline.0
        case 1: return olderInline.1
        default: return olderInline.2
        }
    }

    /// `segment` becomes the current one; the current one joins the older ones.
    private mutating func push(_ segment: Segment) {
        if segmentCount > 0 {
            let index = segmentCount - 1
            if ring != nil {
                if !isKnownUniquelyReferenced(&ring) { ring = ring?.copy() }
                if let ring { ring.slots[index & (ring.capacity - 1)] = currentSegment }
            } else {
                switch index % 3 {
                case 0: olderInline.0 = currentSegment
                case 1: olderInline.1 = currentSegment
                default: olderInline.2 = currentSegment
                }
            }
        }
        currentSegment = segment
        segmentCount += 1
    }
}

/// The older segments of a munger that keeps many (``RTPMunger/temporalSegmentHistory``):
/// a fixed ring allocated once with the down-track, copied only when a
/// copied munger pushes a segment (copy on write, so the munger stays a value).
final class SegmentRing: @unchecked Sendable {
    let capacity: Int
    let slots: UnsafeMutablePointer<RTPMunger.Segment>

    init(capacity: Int) {
        self.capacity = capacity
        slots = .allocate(capacity: capacity)
        slots.initialize(repeating: RTPMunger.Segment(firstOutput: 0, sequenceOffset: 0, timestampOffset: 0), count: capacity)
    }

    func copy() -> SegmentRing {
        let copy = SegmentRing(capacity: capacity)
        copy.slots.update(from: slots, count: capacity)
        return copy
    }

    deinit { slots.deallocate() }
}
