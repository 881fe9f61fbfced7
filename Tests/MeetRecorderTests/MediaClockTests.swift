import Testing

@testable import MeetRecorder

/// The recording timeline: arrival time until the first sender report, the
/// SR's NTP↔RTP pair after it, one clock offset per sender, never backwards.
@Suite struct MediaClockTests {
    /// NTP time for `micros` microseconds since 1900.
    static func ntp(micros: Int64) -> UInt64 {
        UInt64(micros / 1_000_000) << 32 | (UInt64(micros % 1_000_000) << 32) / 1_000_000
    }

    @Test func beforeAnySenderReportTheFirstArrivalPlacesTheTrack() {
        var clock = MediaClock(clockRate: 90_000, originMicroseconds: 1_000_000)
        let first = clock.extend(4_000_000_000)
        #expect(clock.presentationMilliseconds(rtp: first, arrivalMicroseconds: 1_500_000) == 500)
        // 3000 ticks later (33.3 ms), whatever the arrival, across the 32-bit wrap.
        let next = clock.extend(4_000_000_000 &+ 300_000_000)
        #expect(next == Int64(4_000_000_000) + 300_000_000)
        #expect(clock.presentationMilliseconds(rtp: next, arrivalMicroseconds: 9_999_999) == 500 + 300_000_000 / 90)
        #expect(!clock.isSynchronized)
    }

    @Test func aTimestampJumpWhoseMicrosecondsOverflowReanchorsInsteadOfTrapping() {
        var clock = MediaClock(clockRate: 90_000, originMicroseconds: 0)
        #expect(clock.presentationMilliseconds(rtp: 0, arrivalMicroseconds: 1_000_000) == 1_000)
        // A publisher's extended timestamps can grow by 2^31 per packet: 2^53
        // ticks times 10^6 overflows Int64. Placed at its arrival, never earlier.
        let far = Int64(1) << 53
        #expect(clock.presentationMilliseconds(rtp: far, arrivalMicroseconds: 2_000_000) == 2_000)
        #expect(clock.presentationMilliseconds(rtp: far + 90_000, arrivalMicroseconds: 2_000_500) == 3_000)
    }

    @Test func senderReportsLineAudioAndVideoOfOneSenderUp() {
        // The sender's clock is 1000 s ahead of ours; its SRs say audio RTP 48000 and video RTP 90000 are both NTP T+1 s.
        let origin: Int64 = 5_000_000
        let senderAhead: Int64 = 1_000_000_000
        var sender = SenderClock()
        var audio = MediaClock(clockRate: 48_000, originMicroseconds: origin)
        var video = MediaClock(clockRate: 90_000, originMicroseconds: origin)
        // Audio arrives first, 120 ms late by the network; video's SR comes later, with more delay.
        let audioLocal = sender.localMicroseconds(ntp: Self.ntp(micros: senderAhead + 6_000_000), arrivalMicroseconds: 6_120_000)
        audio.senderReport(localMicroseconds: audioLocal, rtpTimestamp: 48_000)
        let videoLocal = sender.localMicroseconds(ntp: Self.ntp(micros: senderAhead + 6_000_000), arrivalMicroseconds: 6_400_000)
        video.senderReport(localMicroseconds: videoLocal, rtpTimestamp: 90_000)
        // A frame of each captured at the same instant, two seconds after the SR.
        let a = audio.presentationMilliseconds(rtp: audio.extend(48_000 * 3), arrivalMicroseconds: 0)
        let v = video.presentationMilliseconds(rtp: video.extend(90_000 * 3), arrivalMicroseconds: 0)
        #expect(a == v)
        #expect(a == 3_120)
        #expect(audio.isSynchronized && video.isSynchronized)
    }

    @Test func aCorrectionBackwardsPacksFramesInsteadOfGoingBack() {
        var clock = MediaClock(clockRate: 48_000, originMicroseconds: 0)
        #expect(clock.presentationMilliseconds(rtp: clock.extend(0), arrivalMicroseconds: 1_000_000) == 1_000)
        #expect(clock.presentationMilliseconds(rtp: clock.extend(960), arrivalMicroseconds: 0) == 1_020)
        // An SR puts RTP 0 at local 0.5 s: the next frames would go back
        // 500 ms; they go 1 ms apart (never two frames at one time) until the track catches up.
        clock.senderReport(localMicroseconds: 500_000, rtpTimestamp: 0)
        #expect(clock.presentationMilliseconds(rtp: clock.extend(1920), arrivalMicroseconds: 0) == 1_021)
        #expect(clock.presentationMilliseconds(rtp: clock.extend(2880), arrivalMicroseconds: 0) == 1_022)
        #expect(clock.presentationMilliseconds(rtp: clock.extend(2880), arrivalMicroseconds: 0) == 1_022, "the same frame again")
        #expect(clock.presentationMilliseconds(rtp: clock.extend(48_000), arrivalMicroseconds: 0) == 1_500)
    }

    @Test func ntpConversion() {
        #expect(SenderClock.microseconds(ntp: 3 << 32 | 0x8000_0000) == 3_500_000)
    }
}
