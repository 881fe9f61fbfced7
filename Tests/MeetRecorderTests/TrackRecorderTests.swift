import MeetRTP
import Testing

@testable import MeetRecorder

/// One track end to end without I/O: packets in, frames with times and
/// durations out, losses reported, keyframes asked for (and again).
@Suite struct TrackRecorderTests {
    @Test func opusPacketsBecomeFramesWithTheirDurations() {
        var track = TrackRecorder(codec: .opus, originMicroseconds: 0)
        var actions: [TrackRecorder.Action] = []
        // 20 ms packets, the third and second swapped on the wire.
        for (sequence, timestamp) in [(0, 0), (2, 1920), (1, 960), (3, 2880)] {
            actions += track.receive(RecorderFixtures.opus(sequence: UInt16(sequence), timestamp: UInt32(timestamp)), now: 1_000_000)
        }
        actions += track.finish(now: 1_100_000)
        let writes = RecorderFixtures.writes(actions)
        #expect(writes.map(\.pts) == [1_000, 1_020, 1_040, 1_060])
        #expect(writes.map(\.duration) == [20, 20, 20, 20])
        #expect(track.framesWritten == 4)
    }

    @Test func aVideoLossIsReportedAndTheGapEndsAtTheNextKeyframe() {
        var track = TrackRecorder(codec: .vp8, originMicroseconds: 0, reorderDelayMicroseconds: 50_000, keyframeRetryMicroseconds: 500_000)
        var actions: [TrackRecorder.Action] = []
        var sequence: UInt16 = 0
        func send(_ frame: [UInt8], timestamp: UInt32, now: Int64, skip: Int? = nil) {
            for (index, packet) in RecorderFixtures.vp8Packets(frame, sequence: sequence, timestamp: timestamp).enumerated() where index != skip {
                actions += track.receive(packet, now: now)
            }
            sequence &+= UInt16(RecorderFixtures.vp8Packets(frame, sequence: 0, timestamp: 0).count)
        }
        send(RecorderFixtures.keyframe(width: 640, height: 480), timestamp: 0, now: 0)
        send(RecorderFixtures.interframe(bytes: 40), timestamp: 3000, now: 33_000, skip: 1)
        send(RecorderFixtures.interframe(), timestamp: 6000, now: 66_000)
        actions += track.tick(now: 200_000)
        #expect(actions.contains(.lost(packets: 1)))
        #expect(actions.filter { $0 == .requestKeyframe }.count == 1)
        // Still no keyframe half a second after asking: asked again.
        actions = track.tick(now: 700_000)
        #expect(actions == [.requestKeyframe])
        send(RecorderFixtures.keyframe(width: 1280, height: 720), timestamp: 90_000, now: 1_000_000)
        actions += track.finish(now: 1_100_000)
        let writes = RecorderFixtures.writes(actions)
        // The first keyframe comes out when the second arrives (its duration is the distance); nothing in between.
        #expect(writes.map(\.frame.isKeyframe) == [true, true])
        #expect(writes.map(\.pts) == [0, 1_000])
        #expect(writes.map(\.duration) == [1_000, 1_000])
        #expect(track.framesWritten == 2)
        #expect(track.resolutionChanges == 1)
        #expect(track.videoSize == VideoSize(width: 1280, height: 720))
    }
}
