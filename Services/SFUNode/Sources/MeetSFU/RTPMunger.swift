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
/// clock ticks, so a jitter buffer sees a pause, not a jump. Packets older
/// than the re-anchor point are dropped: they belong to a segment the
/// subscriber has already left.
///
/// Offsets of the last few segments are kept so a subscriber's NACK for a
/// packet sent before a re-anchor still maps back to the publisher's number
/// (`mapNACK`). Each segment also remembers its *source*: a simulcast
/// subscriber's segments come from different layers (one SSRC and sequence
/// space each), so a NACK must be answered from the right layer's cache. Modelled on livekit `pkg/sfu/rtpmunger.go`; a value type with
/// fixed-size storage, so munging allocates nothing.
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
    }

    /// Where a subscriber's NACKed sequence number lives in the publisher's stream.
    public struct Retransmission: Sendable, Equatable {
        public var publisherSequenceNumber: Int64
        /// Subtract (mod 2^32) from the cached packet's timestamp.
        public var timestampOffset: Int64
        /// The publisher SSRC whose cache holds it (a simulcast layer); 0 for the track's own.
        public var source: UInt32 = 0
    }

    public static let segmentHistory = 4

    public let clockRate: Int
    private var segments: (Segment, Segment, Segment, Segment)
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

    public init(clockRate: Int) {
        self.clockRate = clockRate
        let empty = Segment(firstOutput: 0, sequenceOffset: 0, timestampOffset: 0)
        segments = (empty, empty, empty, empty)
    }

    /// True until the first packet has been forwarded.
    public var isStarted: Bool { highestOutput >= 0 }

    /// Re-anchors so far (a VP8 down-track's ``VP8Munger`` re-anchors its picture IDs with them).
    public private(set) var anchors = 0

    /// The highest subscriber-side extended sequence number sent so far.
    public var lastSequenceNumber: Int64? { highestOutput >= 0 ? highestOutput : nil }

    /// The timestamp offset in use now (for translating sender reports).
    public var currentTimestampOffset: Int64 { segmentCount > 0 ? current.timestampOffset : 0 }

    /// Forwarding paused or the source changed: re-anchor on the next packet.
    public mutating func markDiscontinuity() {
        resyncPending = true
    }

    /// The next packet comes from another stream, `source` (a simulcast
    /// layer switch): re-anchor on it, and map NACKs for what follows to it.
    public mutating func markDiscontinuity(source: UInt32) {
        resyncPending = true
        nextSource = source
    }

    /// The same subscriber-facing stream goes on from another publisher's
    /// stream (an audio slot switching speakers, ``AudioSlotAssignment``):
    /// the next packet re-anchors after the last one sent, and NACKs for
    /// what was sent before map to nothing, since those packets live in
    /// another track's cache.
    public mutating func handOver() {
        resyncPending = true
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
        var segment = current
        if input < segment.firstInput {
            // A late packet from before a skip: the segment it belongs to, unless its
            // number was given to a later packet (a gap closed by `continueAfterDrops`).
            guard let older = olderSegment(containing: input), input - older.sequenceOffset < segment.firstOutput
            else { return nil }
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
    public mutating func skip(extendedSequenceNumber input: Int64) {
        guard !resyncPending, highestOutput >= 0, input >= firstInput else { return }
        var segment = current
        guard input - segment.sequenceOffset > highestOutput else { return }
        segment.sequenceOffset += 1
        segment.firstInput = input + 1
        if segment.firstOutput > highestOutput {
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
        var segment = current
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
        for age in 0..<min(segmentCount, Self.segmentHistory) {
            let segment = self.segment(age: age)
            if output >= segment.firstOutput {
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
        let outputTimestamp = highestOutputTimestamp + jump
        push(Segment(
            firstOutput: output,
            sequenceOffset: input - output,
            timestampOffset: inputTimestamp - outputTimestamp, source: nextSource, firstInput: input))
    }

    /// The kept segment after the last re-anchor that maps `input` (older than the current one's start).
    private func olderSegment(containing input: Int64) -> Segment? {
        for age in 1..<min(segmentCount, Self.segmentHistory) {
            let segment = self.segment(age: age)
            if input >= segment.firstInput { return segment.firstInput >= firstInput ? segment : nil }
        }
        return nil
    }

    private mutating func replaceCurrent(_ segment: Segment) {
        switch (segmentCount - 1) % Self.segmentHistory {
        case 0: segments.0 = segment
        case 1: segments.1 = segment
        case 2: segments.2 = segment
        default: segments.3 = segment
        }
    }

    private var current: Segment { segment(age: 0) }

    /// The segment `age` re-anchors ago (0 is the current one).
    private func segment(age: Int) -> Segment {
        switch (segmentCount - 1 - age) % Self.segmentHistory {
        case 0: segments.0
        case 1: segments.1
        case 2: segments.2
        default: segments.3
        }
    }

    private mutating func push(_ segment: Segment) {
        switch segmentCount % Self.segmentHistory {
        case 0: segments.0 = segment
        case 1: segments.1 = segment
        case 2: segments.2 = segment
        default: segments.3 = segment
        }
        segmentCount += 1
    }
}
