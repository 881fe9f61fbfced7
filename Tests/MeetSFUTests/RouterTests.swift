import MeetRTCP
import MeetRTP
import Testing
@testable import MeetSFU

@Suite struct RouterTests {
    let audio: UInt32 = 0xA0A0
    let video: UInt32 = 0xB0B0

    private func makeRouter(_ clock: TestClock) -> Router {
        let router = Router(maximumSubscribersPerTrack: 8)
        router.addTrack(TrackConfiguration(ssrc: audio, codec: .opus))
        router.addTrack(TrackConfiguration(ssrc: video, codec: .vp8, cacheSlots: 64))
        return router
    }

    @Test func fansOutWithEachSubscribersSSRC() {
        let clock = TestClock()
        let router = makeRouter(clock)
        for subscriber in 1...3 {
            #expect(router.addDownTrack(publisherSSRC: audio, subscriber: subscriber, ssrc: UInt32(100 + subscriber), payloadType: 111, now: clock.now).added)
        }
        let batch = PacketBatch(capacity: 8)
        let result = router.route(rtp(seq: 500, ts: 9600, ssrc: audio, pt: 109), now: clock.now, batch: batch)
        #expect(result.forwarded == 3)
        #expect(result.drop == nil)
        let out = headers(in: batch)
        #expect(out.map(\.destination) == [1, 2, 3])
        #expect(out.map(\.header.ssrc) == [101, 102, 103])
        #expect(out.allSatisfy { $0.header.sequenceNumber == 500 && $0.header.timestamp == 9600 && $0.header.payloadType == 111 })
        // The payload is carried unchanged.
        #expect(Array(batch.packet(at: 0)[12...]) == [1, 2, 3, 4])
        #expect(router.counters.packetsIn == 1)
        #expect(router.counters.packetsOut == 3)
    }

    @Test func unknownAndMalformedPacketsAreDropped() {
        let clock = TestClock()
        let router = makeRouter(clock)
        let batch = PacketBatch(capacity: 4)
        #expect(router.route(rtp(seq: 1, ts: 1, ssrc: 0xDEAD), now: clock.now, batch: batch).drop == .unknownSSRC)
        #expect(router.route([0x80, 0x60], now: clock.now, batch: batch).drop == .malformed)
        #expect(batch.isEmpty)
    }

    /// Hard mute: nothing forwarded while muted; on unmute the subscriber's
    /// numbering continues (+1) and its timestamp advanced by the pause.
    @Test func muteStopsForwardingAndResumeIsContinuous() {
        var clock = TestClock()
        let router = makeRouter(clock)
        _ = router.addDownTrack(publisherSSRC: audio, subscriber: 1, ssrc: 77, now: clock.now)
        let batch = PacketBatch(capacity: 4)
        var seq: UInt16 = 65_530
        var ts: UInt32 = 1_000
        func send() -> Router.RouteResult {
            defer { seq &+= 1; ts &+= 960; clock.advance(.milliseconds(20)) }
            batch.reset()
            return router.route(rtp(seq: seq, ts: ts, ssrc: audio), now: clock.now, batch: batch)
        }
        for _ in 0..<3 { #expect(send().forwarded == 1) }
        let lastHeader = headers(in: batch)[0].header // seq 65 532, sent at 40 ms
        #expect(!router.setMuted(true, publisherSSRC: audio, now: clock.now)) // audio: no keyframe needed
        for _ in 0..<50 { #expect(send().drop == .muted) } // publisher keeps sending, across the wrap
        router.setMuted(false, publisherSSRC: audio, now: clock.now)
        #expect(send().forwarded == 1) // sent at 60 + 50 × 20 = 1060 ms: 1020 ms after the last
        let resumed = headers(in: batch)[0].header
        #expect(resumed.sequenceNumber == lastHeader.sequenceNumber &+ 1)
        #expect(resumed.timestamp == lastHeader.timestamp &+ 48_960) // 1.02 s × 48 kHz
        #expect(router.track(ssrc: audio)?.statistics.packets == 54)
    }

    /// A video down-track starts on a keyframe: delta frames are held back
    /// and a (throttled) keyframe request goes upstream.
    @Test func videoDownTrackWaitsForKeyframe() {
        var clock = TestClock()
        let router = makeRouter(clock)
        let added = router.addDownTrack(publisherSSRC: video, subscriber: 1, ssrc: 55, now: clock.now)
        #expect(added == (true, true))
        let batch = PacketBatch(capacity: 4)
        clock.advance(.milliseconds(100))
        let delta = router.route(rtp(seq: 10, ts: 0, ssrc: video, payload: vp8Payload(keyframe: false)), now: clock.now, batch: batch)
        #expect(delta.forwarded == 0)
        #expect(!delta.requestKeyframe) // throttled: asked 100 ms ago
        clock.advance(.milliseconds(400))
        #expect(router.route(rtp(seq: 11, ts: 0, ssrc: video, payload: vp8Payload(keyframe: false)), now: clock.now, batch: batch).requestKeyframe)
        let key = router.route(rtp(seq: 12, ts: 3000, ssrc: video, payload: vp8Payload(keyframe: true)), now: clock.now, batch: batch)
        #expect(key.forwarded == 1)
        let next = router.route(rtp(seq: 13, ts: 3000, ssrc: video, payload: vp8Payload(keyframe: false, start: false)), now: clock.now, batch: batch)
        #expect(next.forwarded == 1)
        #expect(headers(in: batch).map(\.header.sequenceNumber) == [12, 13])
    }

    /// A subscriber joining 250 ms after the previous one, whose keyframe
    /// has arrived, gets its own request at once (not at the end of the
    /// 500 ms window): no first picture held back for half a second.
    @Test func aJoinAfterTheLastKeyframeArrivedIsAskedForAtOnce() {
        var clock = TestClock()
        let router = makeRouter(clock)
        #expect(router.addDownTrack(publisherSSRC: video, subscriber: 1, ssrc: 11, now: clock.now) == (true, true))
        clock.advance(.milliseconds(50))
        let batch = PacketBatch(capacity: 4)
        #expect(router.route(rtp(seq: 1, ts: 0, ssrc: video, payload: vp8Payload(keyframe: true)), now: clock.now, batch: batch).forwarded == 1)
        clock.advance(.milliseconds(200))
        #expect(router.addDownTrack(publisherSSRC: video, subscriber: 2, ssrc: 22, now: clock.now) == (true, true))
        // A third at the same moment shares that request.
        #expect(router.addDownTrack(publisherSSRC: video, subscriber: 3, ssrc: 33, now: clock.now) == (true, false))
    }

    /// A subscriber NACKs by its own numbers; the router finds the
    /// publisher's packet in the cache and resends it renumbered.
    @Test func nackIsAnsweredFromTheCacheAfterAResume() {
        var clock = TestClock()
        let router = makeRouter(clock)
        _ = router.addDownTrack(publisherSSRC: video, subscriber: 4, ssrc: 44, payloadType: 100, now: clock.now)
        let scratch = PacketBatch(capacity: 64)
        for seq in UInt16(0)..<5 {
            scratch.reset()
            _ = router.route(rtp(seq: seq, ts: 90 * UInt32(seq), ssrc: video, payload: vp8Payload(keyframe: seq == 0)), now: clock.now, batch: scratch)
        }
        router.setMuted(true, publisherSSRC: video, now: clock.now)
        for seq in UInt16(5)..<20 { _ = router.route(rtp(seq: seq, ts: 90 * UInt32(seq), ssrc: video), now: clock.now, batch: scratch) }
        clock.advance(.seconds(1))
        router.setMuted(false, publisherSSRC: video, now: clock.now)
        scratch.reset()
        for seq in UInt16(20)..<23 {
            _ = router.route(rtp(seq: seq, ts: 90 * UInt32(seq), ssrc: video, payload: vp8Payload(keyframe: seq == 20)), now: clock.now, batch: scratch)
        }
        // Subscriber saw 0...4 then 5, 6, 7 (publisher's 20, 21, 22). It lost 2 and 6.
        #expect(headers(in: scratch).map(\.header.sequenceNumber) == [5, 6, 7])
        let resumedTimestamp = headers(in: scratch)[1].header.timestamp
        let batch = PacketBatch(capacity: 8)
        let sent = router.handleNACK(
            subscriber: 4, mediaSSRC: 44, pairs: RTCPGenericNACK.pairs(for: [2, 6]),
            into: batch, flush: { _ in })
        #expect(sent == 2)
        let resent = headers(in: batch)
        #expect(resent.map(\.header.sequenceNumber) == [2, 6])
        #expect(resent.map(\.header.ssrc) == [44, 44])
        #expect(resent[0].header.timestamp == 180)
        #expect(resent[1].header.timestamp == resumedTimestamp)
        #expect(resent.allSatisfy { $0.header.payloadType == 100 })
        #expect(router.track(ssrc: video)?.downTracks[0].retransmissions == 2)
        // Unknown subscriber track: nothing.
        #expect(router.handleNACK(subscriber: 9, mediaSSRC: 44, pairs: [.init(packetID: 1)], into: batch, flush: { _ in }) == 0)
    }

    @Test func subscriberKeyframeRequestsAreThrottledPerTrack() {
        var clock = TestClock()
        let router = makeRouter(clock)
        _ = router.addDownTrack(publisherSSRC: video, subscriber: 1, ssrc: 11, now: clock.now) // asks once
        _ = router.addDownTrack(publisherSSRC: video, subscriber: 2, ssrc: 22, now: clock.now)
        #expect(router.handleKeyframeRequest(subscriber: 1, mediaSSRC: 11, now: clock.now) == nil)
        #expect(router.handleKeyframeRequest(subscriber: 2, mediaSSRC: 22, now: clock.now) == nil)
        var requested: [UInt32] = []
        var scratch: [UInt16] = []
        clock.advance(.milliseconds(500))
        router.collectUpstreamFeedback(now: clock.now, scratch: &scratch, nack: { _, _ in }, keyframeRequest: { requested.append($0) })
        #expect(requested == [video]) // the held-back requests, once
        clock.advance(.milliseconds(500))
        #expect(router.handleKeyframeRequest(subscriber: 2, mediaSSRC: 22, now: clock.now) == video)
    }

    @Test func upstreamNACKsForIngressLoss() {
        var clock = TestClock()
        let router = makeRouter(clock)
        let batch = PacketBatch(capacity: 4)
        for seq: UInt16 in [1, 2, 5] { _ = router.route(rtp(seq: seq, ts: 0, ssrc: video), now: clock.now, batch: batch) }
        clock.advance(.milliseconds(20))
        var nacks: [(UInt32, [UInt16])] = []
        var scratch: [UInt16] = []
        router.collectUpstreamFeedback(now: clock.now, scratch: &scratch, nack: { nacks.append(($0, $1)) }, keyframeRequest: { _ in })
        #expect(nacks.count == 1)
        #expect(nacks.first?.0 == video)
        #expect(nacks.first?.1 == [3, 4])
    }

    @Test func senderReportsAreTranslatedAndGiveRTT() {
        var clock = TestClock()
        let router = makeRouter(clock)
        _ = router.addDownTrack(publisherSSRC: audio, subscriber: 1, ssrc: 66, now: clock.now)
        let batch = PacketBatch(capacity: 4)
        _ = router.route(rtp(seq: 1, ts: 5000, ssrc: audio), now: clock.now, batch: batch)
        let report = RTCPSenderReport(ssrc: audio, ntpTimestamp: 0x0000_1234_5678_0000, rtpTimestamp: 6000, packetCount: 9, octetCount: 99)
        var translated: [(Int, RTCPSenderReport)] = []
        router.handleSenderReport(report, now: clock.now) { translated.append(($0, $1)) }
        #expect(translated.count == 1)
        #expect(translated[0].0 == 1)
        #expect(translated[0].1.ssrc == 66)
        #expect(translated[0].1.rtpTimestamp == 6000)
        #expect(translated[0].1.packetCount == 1)
        clock.advance(.milliseconds(300))
        let block = RTCPReportBlock(ssrc: 66, lastSenderReport: 0x1234_5678, delaySinceLastSenderReport: NTPTime.compactDuration(.milliseconds(250)))
        router.handleReceiverReport(subscriber: 1, block: block, now: clock.now)
        #expect(router.track(ssrc: audio)?.downTracks[0].statistics.roundTripTime == .milliseconds(50))
        #expect(router.makeReportBlocks(now: clock.now).map(\.ssrc).sorted() == [audio, video])
    }

    @Test func fullBatchIsFlushedMidFanOut() {
        let clock = TestClock()
        let router = makeRouter(clock)
        for subscriber in 1...5 { _ = router.addDownTrack(publisherSSRC: audio, subscriber: subscriber, ssrc: UInt32(subscriber), now: clock.now) }
        let batch = PacketBatch(capacity: 2)
        var flushed: [Int] = []
        let result = rtp(seq: 1, ts: 1, ssrc: audio).withUnsafeBytes {
            router.routeRTP($0, now: clock.now, into: batch) { full in
                flushed += (0..<full.count).map(full.destination(at:))
            }
        }
        #expect(result.forwarded == 5)
        #expect(flushed == [1, 2, 3, 4])
        #expect(headers(in: batch).map(\.destination) == [5])
    }

    @Test func removingTracksAndSubscribers() {
        let clock = TestClock()
        let router = makeRouter(clock)
        _ = router.addDownTrack(publisherSSRC: audio, subscriber: 1, ssrc: 1, now: clock.now)
        _ = router.addDownTrack(publisherSSRC: video, subscriber: 1, ssrc: 2, now: clock.now)
        _ = router.addDownTrack(publisherSSRC: video, subscriber: 2, ssrc: 3, now: clock.now)
        #expect(!router.addDownTrack(publisherSSRC: video, subscriber: 2, ssrc: 3, now: clock.now).added)
        #expect(router.downTrackCount == 3)
        router.removeSubscriber(1)
        #expect(router.downTrackCount == 1)
        #expect(router.removeTrack(ssrc: audio) == [])
        #expect(router.trackCount == 1)
        // The moved track is still routed.
        #expect(router.removeTrack(ssrc: video) == [2])
        #expect(router.trackCount == 0)
        let batch = PacketBatch(capacity: 1)
        #expect(router.route(rtp(seq: 1, ts: 1, ssrc: video), now: clock.now, batch: batch).drop == .unknownSSRC)
    }

    /// The publisher reconnected (e.g. migrated): its numbers restart, the
    /// subscriber's continue, and video waits for the new stream's keyframe.
    @Test func resetSourceKeepsSubscribersContinuous() {
        var clock = TestClock()
        let router = makeRouter(clock)
        _ = router.addDownTrack(publisherSSRC: video, subscriber: 1, ssrc: 9, now: clock.now)
        let batch = PacketBatch(capacity: 8)
        _ = router.route(rtp(seq: 30_000, ts: 1_000_000, ssrc: video, payload: vp8Payload(keyframe: true)), now: clock.now, batch: batch)
        _ = router.route(rtp(seq: 30_001, ts: 1_000_000, ssrc: video, payload: vp8Payload(keyframe: false, start: false)), now: clock.now, batch: batch)
        router.resetSource(publisherSSRC: video)
        clock.advance(.milliseconds(100))
        #expect(router.route(rtp(seq: 5, ts: 77, ssrc: video, payload: vp8Payload(keyframe: false)), now: clock.now, batch: batch).forwarded == 0)
        #expect(router.route(rtp(seq: 6, ts: 77, ssrc: video, payload: vp8Payload(keyframe: true)), now: clock.now, batch: batch).forwarded == 1)
        let out = headers(in: batch).map(\.header)
        #expect(out.map(\.sequenceNumber) == [30_000, 30_001, 30_002])
        #expect(out[2].timestamp == 1_000_000 + 9000) // 100 ms at 90 kHz
    }

    @Test func duplicatesAreDroppedAndHugeVideoLossAsksForAKeyframe() {
        var clock = TestClock()
        let router = makeRouter(clock)
        _ = router.addDownTrack(publisherSSRC: video, subscriber: 1, ssrc: 9, now: clock.now)
        _ = router.addDownTrack(publisherSSRC: audio, subscriber: 1, ssrc: 8, now: clock.now)
        let batch = PacketBatch(capacity: 8)
        #expect(router.route(rtp(seq: 1, ts: 0, ssrc: video, payload: vp8Payload(keyframe: true)), now: clock.now, batch: batch).forwarded == 1)
        #expect(router.route(rtp(seq: 1, ts: 0, ssrc: video, payload: vp8Payload(keyframe: true)), now: clock.now, batch: batch).drop == .duplicate)
        clock.advance(.seconds(1))
        let afterLoss = router.route(rtp(seq: 2000, ts: 0, ssrc: video, payload: vp8Payload(keyframe: false, start: false)), now: clock.now, batch: batch)
        #expect(afterLoss.forwarded == 1)
        #expect(afterLoss.requestKeyframe)
        // Audio: a big loss is not a reason to ask for anything.
        _ = router.route(rtp(seq: 1, ts: 0, ssrc: audio), now: clock.now, batch: batch)
        #expect(!router.route(rtp(seq: 3000, ts: 0, ssrc: audio), now: clock.now, batch: batch).requestKeyframe)
    }

    /// A keyframe from the publisher answers subscriber requests the
    /// throttle was still holding back: nothing more goes upstream.
    @Test func keyframeCancelsHeldBackRequests() {
        var clock = TestClock()
        let router = makeRouter(clock)
        _ = router.addDownTrack(publisherSSRC: video, subscriber: 1, ssrc: 11, now: clock.now) // request sent
        let batch = PacketBatch(capacity: 8)
        _ = router.route(rtp(seq: 1, ts: 0, ssrc: video, payload: vp8Payload(keyframe: true)), now: clock.now, batch: batch)
        clock.advance(.milliseconds(100))
        #expect(router.handleKeyframeRequest(subscriber: 1, mediaSSRC: 11, now: clock.now) == nil) // held back
        _ = router.route(rtp(seq: 2, ts: 3000, ssrc: video, payload: vp8Payload(keyframe: true)), now: clock.now, batch: batch)
        clock.advance(.seconds(1))
        var requested = 0
        var scratch: [UInt16] = []
        router.collectUpstreamFeedback(now: clock.now, scratch: &scratch, nack: { _, _ in }, keyframeRequest: { _ in requested += 1 })
        #expect(requested == 0)
    }
}
