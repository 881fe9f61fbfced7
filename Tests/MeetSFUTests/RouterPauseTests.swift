import MeetRTCP
import MeetRTP
import Testing
@testable import MeetSFU

/// Last-N pause/resume of one subscriber's down-track (`TrackTable+Pause`).
@Suite struct RouterPauseTests {
    let audio: UInt32 = 0xA0A0
    let video: UInt32 = 0xB0B0

    private func makeRouter() -> Router {
        let router = Router(maximumSubscribersPerTrack: 8)
        router.addTrack(TrackConfiguration(ssrc: audio, codec: .opus))
        router.addTrack(TrackConfiguration(ssrc: video, codec: .vp8, cacheSlots: 64))
        return router
    }

    /// A paused down-track gets nothing while the others still get every packet.
    @Test func pausedDownTrackIsSkippedOthersStillForward() {
        let clock = TestClock()
        let router = makeRouter()
        for subscriber in 1...3 {
            _ = router.addDownTrack(publisherSSRC: audio, subscriber: subscriber, ssrc: UInt32(10 + subscriber), now: clock.now)
        }
        #expect(!router.setPaused(true, publisherSSRC: audio, subscriber: 2, now: clock.now))
        #expect(router.isPaused(publisherSSRC: audio, subscriber: 2) == true)
        #expect(router.isPaused(publisherSSRC: audio, subscriber: 1) == false)
        #expect(router.isPaused(publisherSSRC: audio, subscriber: 9) == nil)
        #expect(router.pausedDownTrackCount == 1)
        let batch = PacketBatch(capacity: 8)
        let result = router.route(rtp(seq: 1, ts: 960, ssrc: audio), now: clock.now, batch: batch)
        #expect(result.forwarded == 2)
        #expect(result.drop == nil)
        #expect(headers(in: batch).map(\.destination) == [1, 3])
        // Received and counted all the same (the other subscribers need it).
        #expect(router.track(ssrc: audio)?.statistics.packets == 1)
        #expect(router.counters.packetsOut == 2)
    }

    /// Resuming audio: next sequence number, timestamp advanced by the pause.
    @Test func resumeIsContinuousForTheSubscriber() {
        var clock = TestClock()
        let router = makeRouter()
        _ = router.addDownTrack(publisherSSRC: audio, subscriber: 1, ssrc: 77, now: clock.now)
        let batch = PacketBatch(capacity: 4)
        var seq: UInt16 = 65_534
        var ts: UInt32 = 5_000
        func send() -> Int {
            defer { seq &+= 1; ts &+= 960; clock.advance(.milliseconds(20)) }
            batch.reset()
            return router.route(rtp(seq: seq, ts: ts, ssrc: audio), now: clock.now, batch: batch).forwarded
        }
        for _ in 0..<2 { #expect(send() == 1) }
        let last = headers(in: batch)[0].header // sent at 20 ms
        router.setPaused(true, publisherSSRC: audio, subscriber: 1, now: clock.now)
        for _ in 0..<25 { #expect(send() == 0) }
        #expect(!router.setPaused(false, publisherSSRC: audio, subscriber: 1, now: clock.now)) // audio: no keyframe
        #expect(send() == 1) // sent at 40 + 25 × 20 = 540 ms: 520 ms after the last
        let resumed = headers(in: batch)[0].header
        #expect(resumed.ssrc == 77)
        #expect(resumed.sequenceNumber == last.sequenceNumber &+ 1)
        #expect(resumed.timestamp == last.timestamp &+ 24_960) // 0.52 s × 48 kHz
    }

    /// Resuming video asks the publisher for a keyframe (throttled like a
    /// join) and forwards nothing until it comes; then it starts on it.
    @Test func resumingVideoWaitsForAKeyframeAndAsksForOne() {
        var clock = TestClock()
        let router = makeRouter()
        #expect(router.addDownTrack(publisherSSRC: video, subscriber: 1, ssrc: 55, paused: true, now: clock.now) == (true, false))
        let batch = PacketBatch(capacity: 4)
        // Paused from the start: no keyframe wanted, nothing sent.
        let early = router.route(rtp(seq: 1, ts: 0, ssrc: video, payload: vp8Payload(keyframe: false)), now: clock.now, batch: batch)
        #expect(early.forwarded == 0)
        #expect(!early.requestKeyframe)
        clock.advance(.milliseconds(100))
        #expect(router.setPaused(false, publisherSSRC: video, subscriber: 1, now: clock.now))
        #expect(router.route(rtp(seq: 2, ts: 3000, ssrc: video, payload: vp8Payload(keyframe: false)), now: clock.now, batch: batch).forwarded == 0)
        #expect(router.route(rtp(seq: 3, ts: 6000, ssrc: video, payload: vp8Payload(keyframe: true)), now: clock.now, batch: batch).forwarded == 1)
        #expect(router.route(rtp(seq: 4, ts: 6000, ssrc: video, payload: vp8Payload(keyframe: false, start: false)), now: clock.now, batch: batch).forwarded == 1)
        #expect(headers(in: batch).map(\.header.sequenceNumber) == [3, 4])
    }

    /// Many subscribers resuming one track at once (a shared page change)
    /// cost the publisher one keyframe request.
    @Test func manyResumesShareOneKeyframeRequest() {
        let clock = TestClock()
        let router = makeRouter()
        for subscriber in 1...5 {
            _ = router.addDownTrack(publisherSSRC: video, subscriber: subscriber, ssrc: UInt32(subscriber), paused: true, now: clock.now)
        }
        let requests = (1...5).filter { router.setPaused(false, publisherSSRC: video, subscriber: $0, now: clock.now) }
        #expect(requests == [1])
    }

    /// A paused track: the subscriber's own PLI is not passed upstream, no
    /// sender report is sent for it; no change is no change.
    @Test func pausedTrackGetsNoKeyframeRequestOrSenderReport() {
        var clock = TestClock()
        let router = makeRouter()
        _ = router.addDownTrack(publisherSSRC: video, subscriber: 1, ssrc: 55, now: clock.now)
        _ = router.addDownTrack(publisherSSRC: video, subscriber: 2, ssrc: 66, now: clock.now)
        let batch = PacketBatch(capacity: 4)
        #expect(router.route(rtp(seq: 1, ts: 0, ssrc: video, payload: vp8Payload(keyframe: true)), now: clock.now, batch: batch).forwarded == 2)
        router.setPaused(true, publisherSSRC: video, subscriber: 1, now: clock.now)
        #expect(!router.setPaused(true, publisherSSRC: video, subscriber: 1, now: clock.now)) // already paused
        clock.advance(.seconds(1))
        #expect(router.handleKeyframeRequest(subscriber: 1, mediaSSRC: 55, now: clock.now) == nil)
        #expect(router.handleKeyframeRequest(subscriber: 2, mediaSSRC: 66, now: clock.now) == video)
        var reported: [Int] = []
        let report = RTCPSenderReport(ssrc: video, ntpTimestamp: 1 << 32, rtpTimestamp: 90_000, packetCount: 1, octetCount: 10)
        router.handleSenderReport(report, now: clock.now) { subscriber, _ in reported.append(subscriber) }
        #expect(reported == [2])
    }

    /// Unmuting a hard-muted track whose only down-track is paused asks
    /// for no keyframe (nobody would see it); resuming it later does.
    @Test func unmuteWithEveryDownTrackPausedAsksForNothing() {
        var clock = TestClock()
        let router = makeRouter()
        _ = router.addDownTrack(publisherSSRC: video, subscriber: 1, ssrc: 55, paused: true, now: clock.now)
        router.setMuted(true, publisherSSRC: video, now: clock.now)
        #expect(!router.setPaused(false, publisherSSRC: video, subscriber: 1, now: clock.now)) // muted: unmute asks
        router.setPaused(true, publisherSSRC: video, subscriber: 1, now: clock.now)
        clock.advance(.seconds(1))
        #expect(!router.setMuted(false, publisherSSRC: video, now: clock.now))
        #expect(router.setPaused(false, publisherSSRC: video, subscriber: 1, now: clock.now))
    }

    /// A resume inside the throttle's join spacing is held back, not lost:
    /// the RTCP timer sends it when the spacing ends, unless a keyframe comes
    /// first, which then answers it (and starts the resumed down-track).
    @Test func aHeldBackResumeRequestIsSentWhenTheSpacingEndsOrAnsweredByAKeyframe() {
        var clock = TestClock()
        let router = makeRouter()
        let batch = PacketBatch(capacity: 4)
        #expect(router.addDownTrack(publisherSSRC: video, subscriber: 1, ssrc: 55, now: clock.now) == (true, true)) // join: asks
        #expect(router.route(rtp(seq: 1, ts: 0, ssrc: video, payload: vp8Payload(keyframe: true)), now: clock.now, batch: batch).forwarded == 1)
        router.setPaused(true, publisherSSRC: video, subscriber: 1, now: clock.now)
        clock.advance(.milliseconds(100))
        #expect(!router.setPaused(false, publisherSSRC: video, subscriber: 1, now: clock.now), "within 200 ms of the join's request: held back")
        var scratch: [UInt16] = []
        func released() -> [UInt32] {
            var requests: [UInt32] = []
            router.collectUpstreamFeedback(now: clock.now, scratch: &scratch, nack: { _, _ in }, keyframeRequest: { requests.append($0) })
            return requests
        }
        #expect(released().isEmpty)
        clock.advance(.milliseconds(100))
        #expect(released() == [video], "the spacing ended: sent")
        // Again, and this time a keyframe comes first: it answers the resume, nothing is sent.
        router.setPaused(true, publisherSSRC: video, subscriber: 1, now: clock.now)
        #expect(router.route(rtp(seq: 2, ts: 3000, ssrc: video, payload: vp8Payload(keyframe: true)), now: clock.now, batch: batch).forwarded == 0)
        clock.advance(.milliseconds(300))
        #expect(router.setPaused(false, publisherSSRC: video, subscriber: 1, now: clock.now), "200 ms after the last answered request: at once")
        router.setPaused(true, publisherSSRC: video, subscriber: 1, now: clock.now)
        #expect(router.route(rtp(seq: 3, ts: 6000, ssrc: video, payload: vp8Payload(keyframe: true)), now: clock.now, batch: batch).forwarded == 0)
        clock.advance(.milliseconds(100))
        #expect(!router.setPaused(false, publisherSSRC: video, subscriber: 1, now: clock.now))
        batch.reset()
        #expect(router.route(rtp(seq: 4, ts: 9000, ssrc: video, payload: vp8Payload(keyframe: true)), now: clock.now, batch: batch).forwarded == 1)
        clock.advance(.seconds(1))
        #expect(released().isEmpty, "the keyframe answered the held-back request")
    }

    /// A keyframe that answers a request while no down-track waits for one
    /// (the one that asked was paused meanwhile) still ends the wait: the
    /// next resume asks after the 200 ms join spacing, not the 500 ms
    /// interval meant for a keyframe still on its way.
    @Test func aKeyframeNobodyWaitedForStillAnswersTheRequest() {
        var clock = TestClock()
        let router = makeRouter()
        let batch = PacketBatch(capacity: 4)
        #expect(router.addDownTrack(publisherSSRC: video, subscriber: 1, ssrc: 55, now: clock.now) == (true, true))
        router.setPaused(true, publisherSSRC: video, subscriber: 1, now: clock.now) // the page turned before the keyframe came
        clock.advance(.milliseconds(50))
        #expect(router.route(rtp(seq: 1, ts: 0, ssrc: video, payload: vp8Payload(keyframe: true)), now: clock.now, batch: batch).forwarded == 0)
        clock.advance(.milliseconds(250))
        #expect(router.setPaused(false, publisherSSRC: video, subscriber: 1, now: clock.now), "300 ms after an answered request: at once")
    }
}
