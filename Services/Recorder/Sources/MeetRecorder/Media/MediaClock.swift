public import MeetRTP

/// Maps one track's RTP timestamps onto the recording's timeline, in
/// milliseconds from the recording's start, so every track of every person
/// lines up in the files.
///
/// Until the track's first RTCP sender report, a timestamp is placed by the
/// local arrival time of the first frame (good to network jitter). From the
/// first SR on, it is placed by the SR's NTP↔RTP pair (RFC 3550 §6.4.1),
/// moved onto the local clock by the sender's `SenderClock` offset, which is
/// shared by the sender's audio and video, so the two stay in sync however
/// far the sender's wall clock is from ours. Times only go forwards: each
/// new frame is placed at least 1 ms after the one before, so a correction
/// that would move a track back packs its next frames 1 ms apart until the
/// track catches up (a file's frames need increasing times: two frames at
/// the same time are a broken stream to a decoder, #18).
public struct MediaClock: Sendable {
    /// RTP clock rate: 90000 for video, 48000 for Opus.
    public let clockRate: Int64
    /// The recording's start on the local clock, in microseconds.
    public let originMicroseconds: Int64

    private var unwrapper = RTPTimestampUnwrapper()
    private var anchor: (localMicroseconds: Int64, rtp: Int64)?
    private var last: (rtp: Int64, milliseconds: Int64)?
    /// True once a sender report placed the track.
    public private(set) var isSynchronized = false

    public init(clockRate: Int64, originMicroseconds: Int64) {
        precondition(clockRate > 0)
        self.clockRate = clockRate
        self.originMicroseconds = originMicroseconds
    }

    /// Extends a packet's 32-bit RTP timestamp to 64 bits.
    public mutating func extend(_ timestamp: UInt32) -> Int64 {
        unwrapper.unwrap(timestamp)
    }

    /// A sender report for this track, its NTP time already moved onto the local clock.
    public mutating func senderReport(localMicroseconds: Int64, rtpTimestamp: UInt32) {
        anchor = (localMicroseconds, unwrapper.unwrap(rtpTimestamp))
        isSynchronized = true
    }

    /// The presentation time of a frame with extended timestamp `rtp`, first
    /// seen at `arrivalMicroseconds` on the local clock.
    public mutating func presentationMilliseconds(rtp: Int64, arrivalMicroseconds: Int64) -> Int64 {
        if anchor == nil { anchor = (arrivalMicroseconds, rtp) }
        var (local, anchorRTP) = anchor ?? (arrivalMicroseconds, rtp)
        // A publisher controls the timestamps: a delta whose microseconds
        // overflow (hundreds of thousands of years of clock) re-anchors on
        // the arrival time instead of trapping.
        var (scaled, overflow) = (rtp - anchorRTP).multipliedReportingOverflow(by: 1_000_000)
        if overflow {
            anchor = (arrivalMicroseconds, rtp)
            (local, anchorRTP, scaled, overflow) = (arrivalMicroseconds, rtp, 0, false)
        }
        let milliseconds = (local + scaled / clockRate - originMicroseconds) / 1000
        guard let last else {
            self.last = (rtp, max(milliseconds, 0))
            return max(milliseconds, 0)
        }
        if rtp == last.rtp { return last.milliseconds }
        let placed = max(milliseconds, last.milliseconds + 1)
        self.last = (rtp, placed)
        return placed
    }
}

/// One sender's wall clock against ours: the offset taken at the first sender
/// report of any of its tracks (arrival minus the report's NTP time; network
/// delay counts as clock offset, the same for audio and video, so lip sync
/// holds). Later reports keep the same offset, so a track never jumps when
/// another of the sender's tracks reports.
public struct SenderClock: Sendable {
    private var offsetMicroseconds: Int64?

    public init() {}

    /// The local time of an SR's NTP timestamp that arrived at `arrivalMicroseconds`.
    public mutating func localMicroseconds(ntp: UInt64, arrivalMicroseconds: Int64) -> Int64 {
        let senderMicros = Self.microseconds(ntp: ntp)
        if offsetMicroseconds == nil { offsetMicroseconds = arrivalMicroseconds - senderMicros }
        return senderMicros + offsetMicroseconds!
    }

    /// A 64-bit NTP timestamp (RFC 3550 §4) in microseconds since 1900.
    public static func microseconds(ntp: UInt64) -> Int64 {
        let seconds = Int64(ntp >> 32)
        let fraction = Int64(((ntp & 0xFFFF_FFFF) * 1_000_000) >> 32)
        return seconds * 1_000_000 + fraction
    }
}
