import MeetRTP

/// What one received track delivered, counted from RTP headers alone (no
/// decoding): packets, bytes, loss from sequence numbers, and for video
/// whole frames and freezes.
///
/// A video frame ends with the RTP marker bit (RFC 7741 §4.1: set on the
/// last packet of a frame); a keyframe is a frame whose first packet (VP8
/// payload descriptor S=1, PID=0, RFC 7741 §4.2) has the P bit of the VP8
/// payload header clear (RFC 6386 §9.1). A freeze is a gap between two
/// frames (or between the last frame and the end of the measurement) longer
/// than the threshold, while the track should be flowing: after its first
/// frame, and not while the node says it does not forward it (last-N:
/// ``pause(at:)`` / ``resume(at:)``; the wait for the first frame after a
/// resume counts from the resume).
///
/// Sans-I/O: times are monotonic nanoseconds passed in, so the logic is the
/// same on the packet path and in a test.
struct TrackReceiveStats: Sendable {
    let isVideo: Bool
    /// A gap between frames longer than this is a freeze.
    let freezeThresholdNanos: UInt64

    private(set) var packets = 0
    private(set) var bytes = 0
    private(set) var frames = 0
    private(set) var keyframes = 0
    private(set) var firstPacketAt: UInt64?
    private(set) var firstFrameAt: UInt64?
    private(set) var lastFrameAt: UInt64?
    private(set) var freezes = 0
    private(set) var frozenNanos: UInt64 = 0
    private(set) var longestGapNanos: UInt64 = 0
    /// The picture height the last keyframe declared (VP8 keyframe header):
    /// with simulcast, which layer the node forwards now.
    private(set) var lastKeyframeHeight: Int?
    /// The node does not forward this video now (last-N): gaps do not count.
    private(set) var isPaused = false

    // Loss, from extended sequence numbers (RFC 3550 §A.1).
    private var baseSequence: Int64 = 0
    private var highestSequence: Int64 = 0

    init(isVideo: Bool, freezeThresholdNanos: UInt64) {
        self.isVideo = isVideo
        self.freezeThresholdNanos = freezeThresholdNanos
    }

    /// Packets the sequence numbers say were sent since the first one.
    var expectedPackets: Int { packets == 0 ? 0 : Int(highestSequence - baseSequence + 1) }
    /// Expected minus received; duplicates can make it negative, so not below 0.
    var lostPackets: Int { max(0, expectedPackets - packets) }

    /// Counts one RTP packet (header and payload, plaintext) received at `now`.
    mutating func record(_ packet: UnsafeRawBufferPointer, now: UInt64) {
        guard let header = try? RTPHeader(parsing: packet) else { return }
        packets += 1
        bytes += packet.count
        let sequence = Int64(header.sequenceNumber)
        if firstPacketAt == nil {
            firstPacketAt = now
            baseSequence = sequence
            highestSequence = sequence
        } else {
            let delta = Int64(Int16(bitPattern: header.sequenceNumber &- UInt16(truncatingIfNeeded: highestSequence)))
            if delta > 0 { highestSequence += delta }
        }
        if isVideo {
            if Self.startsVP8Keyframe(packet, payloadOffset: header.payloadOffset) {
                keyframes += 1
                let payload = UnsafeRawBufferPointer(rebasing: packet[header.payloadRange])
                if let size = VP8KeyframeHeader(payload: payload) { lastKeyframeHeight = size.height }
            }
            if header.marker { frameEnded(at: now) }
        } else {
            // An audio packet is a frame (20 ms of Opus); no freezes counted.
            frames += 1
            if firstFrameAt == nil { firstFrameAt = now }
            lastFrameAt = now
        }
    }

    private mutating func frameEnded(at now: UInt64) {
        frames += 1
        if let last = lastFrameAt, !isPaused { countGap(now &- last) }
        if firstFrameAt == nil { firstFrameAt = now }
        lastFrameAt = now
    }

    private mutating func countGap(_ gap: UInt64) {
        longestGapNanos = max(longestGapNanos, gap)
        if gap > freezeThresholdNanos {
            freezes += 1
            frozenNanos += gap
        }
    }

    /// The stats as of `now`: a video track silent for longer than the
    /// threshold since its last frame counts one more freeze (unless paused).
    func closed(at now: UInt64) -> TrackReceiveStats {
        var copy = self
        if isVideo, !isPaused, let last = lastFrameAt, now > last { copy.countGap(now - last) }
        return copy
    }

    /// The node stopped forwarding this video at `now` (it left the
    /// subscriber's `video-selection`): the gap so far counts, later ones not.
    mutating func pause(at now: UInt64) {
        guard isVideo, !isPaused else { return }
        if let last = lastFrameAt, now > last { countGap(now - last) }
        isPaused = true
    }

    /// The node forwards this video again from `now`: the wait for its next
    /// frame (a keyframe the node asks for) counts from here.
    mutating func resume(at now: UInt64) {
        guard isVideo, isPaused else { return }
        isPaused = false
        if lastFrameAt != nil { lastFrameAt = now }
    }
}

extension TrackReceiveStats {
    /// True for the first packet of a VP8 keyframe: payload descriptor with
    /// S=1 and PID=0 (RFC 7741 §4.2), then a payload header whose P bit
    /// (bit 0 of the first byte) is 0 (RFC 7741 §4.3).
    /// The header is MeetRTP's ``RTPHeader`` (`payloadOffset`).
    static func startsVP8Keyframe(_ packet: UnsafeRawBufferPointer, payloadOffset: Int) -> Bool {
        var offset = payloadOffset
        guard offset < packet.count else { return false }
        let first = packet[offset]
        guard first & 0x10 != 0, first & 0x07 == 0 else { return false }
        offset += 1
        if first & 0x80 != 0 {
            // Extended control bits: I (PictureID), L (TL0PICIDX), T/K (TID/KEYIDX).
            guard offset < packet.count else { return false }
            let extended = packet[offset]
            offset += 1
            if extended & 0x80 != 0 {
                guard offset < packet.count else { return false }
                offset += packet[offset] & 0x80 != 0 ? 2 : 1
            }
            if extended & 0x40 != 0 { offset += 1 }
            if extended & 0x30 != 0 { offset += 1 }
        }
        guard offset < packet.count else { return false }
        return packet[offset] & 0x01 == 0
    }
}
