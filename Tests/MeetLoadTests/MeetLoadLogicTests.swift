import Foundation
import MeetRTP
import MeetProtocol
import NIOCore
import Testing

@testable import MeetLoad

/// meet-load's sans-I/O pieces: counting frames, freezes and loss from RTP
/// headers, the synthetic media it sends, who does what, and the
/// subscription strategy.
@Suite struct MeetLoadLogicTests {
    static let ms: UInt64 = 1_000_000

    /// A plaintext RTP packet as a subscriber receives it.
    static func packet(sequence: UInt16, marker: Bool, payload: [UInt8]) -> [UInt8] {
        var writer = RTPStreamWriter(ssrc: 0x1234, payloadType: 96)
        writer.sequenceNumber = sequence
        let buffer = writer.packet(payload: payload, marker: marker, allocator: .init())
        return Array(buffer.readableBytesView)
    }

    @Test func videoFramesEndAtTheMarkerAndKeyframesAreReadFromTheVP8Header() {
        let media = SyntheticMedia(videoBitsPerSecond: 1_500_000, framesPerSecond: 30, keyframeSeconds: 3, audioBitsPerSecond: 32_000)
        var stats = TrackReceiveStats(isVideo: true, freezeThresholdNanos: 500 * Self.ms)
        var sequence: UInt16 = 65_530  // wraps during the frames
        var now: UInt64 = 0
        for payloads in [media.keyframePayloads, media.deltaPayloads, media.deltaPayloads] {
            for (index, payload) in payloads.enumerated() {
                let bytes = Self.packet(sequence: sequence, marker: index == payloads.count - 1, payload: payload)
                bytes.withUnsafeBytes { stats.record($0, now: now) }
                sequence &+= 1
            }
            now += 33 * Self.ms
        }
        #expect(stats.frames == 3)
        #expect(stats.keyframes == 1)
        #expect(stats.packets == media.keyframePayloads.count + 2 * media.deltaPayloads.count)
        #expect(stats.lostPackets == 0)
        #expect(stats.freezes == 0)
    }

    @Test("--simulcast: three layers whose keyframes declare 180, 360 and 720 px, at 1/10, 3/10 and all of the rate")
    func simulcastLayers() throws {
        let media = SyntheticMedia(
            videoBitsPerSecond: 1_500_000, framesPerSecond: 30, keyframeSeconds: 3, audioBitsPerSecond: 32_000, simulcast: true)
        #expect(media.simulcastLayers.map(\.rid) == ["q", "h", "f"])
        #expect(media.simulcastLayers.map(\.bitsPerSecond) == [150_000, 450_000, 1_500_000])
        var heights: [Int] = []
        for layer in media.simulcastLayers {
            let size = try #require(VP8KeyframeHeader(payload: layer.keyframePayloads[0]))
            #expect(size.width * 9 == size.height * 16)
            heights.append(size.height)
            // What a subscriber reads back from the first packet of the keyframe.
            var stats = TrackReceiveStats(isVideo: true, freezeThresholdNanos: 500 * Self.ms)
            Self.packet(sequence: 1, marker: false, payload: layer.keyframePayloads[0]).withUnsafeBytes { stats.record($0, now: 0) }
            #expect(stats.lastKeyframeHeight == size.height)
            // Bytes per 3 s keyframe interval (one keyframe of 5 deltas + 89 deltas) match the layer's rate within 2 %.
            let bytes = layer.keyframePayloads.joined().count + 89 * layer.deltaPayloads.joined().count
            #expect(abs(Double(bytes * 8) / 3 - Double(layer.bitsPerSecond)) < 0.02 * Double(layer.bitsPerSecond))
        }
        #expect(heights == [180, 360, 720])
        #expect(SyntheticMedia(videoBitsPerSecond: 1_500_000, framesPerSecond: 30, keyframeSeconds: 3, audioBitsPerSecond: 32_000)
            .simulcastLayers.isEmpty)
    }

    @Test("a layer's packets carry its mid and RID (RFC 8285 one-byte elements), beside the audio level when both are set")
    func layerExtensions() throws {
        var writer = RTPStreamWriter(ssrc: 0x5151, payloadType: 96)
        writer.fixedExtensions = [(1, Array("1".utf8)), (10, Array("h".utf8))]
        let bytes = Array(writer.packet(payload: [0x10, 0x01, 0x02], marker: true, allocator: .init()).readableBytesView)
        let packet = try RTPPacket(parsing: bytes)
        #expect(packet.extensionValue(id: 1) == Array("1".utf8))
        #expect(packet.extensionValue(id: 10) == Array("h".utf8))
        #expect(packet.payload == [0x10, 0x01, 0x02])

        writer.audioLevelID = 3
        let withLevel = try RTPPacket(parsing: Array(
            writer.packet(payload: [0xF8], marker: false, allocator: .init(), audioLevel: (20, true)).readableBytesView))
        #expect(withLevel.extensionValue(id: 3) == [0x80 | 20])
        #expect(withLevel.extensionValue(id: 10) == Array("h".utf8))
        // No elements: no extension header at all, as before.
        var plain = RTPStreamWriter(ssrc: 1, payloadType: 111)
        #expect(Array(plain.packet(payload: [1], marker: false, allocator: .init()).readableBytesView)[0] == 0x80)
    }

    @Test("publisher-layers: the layers not named stop, a layer named again resumes wanting a keyframe; the one stream is left alone")
    func dynacastStopsAndResumesLayers() {
        func stream(_ rid: String?) -> MediaSender.VideoStream {
            var stream = MediaSender.VideoStream(
                writer: RTPStreamWriter(ssrc: 1, payloadType: 96), rid: rid, keyframePayloads: [], deltaPayloads: [])
            stream.keyframeWanted = false
            return stream
        }
        var videos = ["q", "h", "f"].map(stream)
        let stopped = MediaSender.apply(active: ["q", "h"], to: &videos)
        #expect(stopped.map(\.rid) == ["f"] && stopped.map(\.active) == [false])
        #expect(videos.map(\.active) == [true, true, false])
        #expect(MediaSender.apply(active: ["q", "h"], to: &videos).isEmpty)  // the same state again: nothing changes
        #expect(MediaSender.apply(active: ["q"], to: &videos).map(\.rid) == ["h"])
        let resumed = MediaSender.apply(active: ["q", "h", "f"], to: &videos)
        #expect(resumed.map(\.rid) == ["h", "f"] && resumed.allSatisfy(\.active))
        #expect(videos.map(\.keyframeWanted) == [false, true, true])
        var single = [stream(nil)]
        #expect(MediaSender.apply(active: [], to: &single).isEmpty)
        #expect(single[0].active)
    }

    @Test("--simulcast counters: a keyframe on every layer is one keyframe in the totals; a replaced publication's layer stops being off when it closes")
    func simulcastCountersAcrossLayersAndReplacement() {
        var old = MediaSender.Counters()
        MediaSender.count(frame: [("q", 100, 1, true), ("h", 300, 2, true), ("f", 900, 5, true)], into: &old)
        MediaSender.count(frame: [("q", 50, 1, false), ("h", 150, 1, false), ("f", 450, 3, false)], into: &old)
        #expect(old.videoFrames == 2 && old.keyframes == 1 && old.videoPackets == 13 && old.bytes == 1_950)
        #expect(old.layers["f"]?.keyframes == 1 && old.layers["f"]?.frames == 2 && old.layers["h"]?.bytes == 450)
        // Layer f off from t = 1 s; the publication is replaced at t = 3 s, its successor keeps f on.
        old.layers["f"]?.stops = 1
        old.layers["f"]?.offSince = 1_000_000_000
        let retired = old.closingOff(at: 3_000_000_000)
        var successor = MediaSender.Counters()
        MediaSender.count(frame: [("q", 50, 1, false), ("h", 150, 1, false), ("f", 450, 3, false)], into: &successor)
        let total = successor.adding(retired)
        #expect(total.layers["f"]?.off(at: 10_000_000_000) == 2_000_000_000)
        #expect(total.keyframes == 1 && total.videoFrames == 3)
    }

    @Test func lossComesFromSequenceGapsAcrossTheWrap() {
        var stats = TrackReceiveStats(isVideo: false, freezeThresholdNanos: 500 * Self.ms)
        for sequence: UInt16 in [65_534, 65_535, 2, 3] {  // 0 and 1 lost
            Self.packet(sequence: sequence, marker: false, payload: [0xF8]).withUnsafeBytes { stats.record($0, now: 0) }
        }
        #expect(stats.expectedPackets == 6)
        #expect(stats.lostPackets == 2)
    }

    @Test func aGapLongerThanTheThresholdIsAFreezeAndSoIsASilentEnd() {
        var stats = TrackReceiveStats(isVideo: true, freezeThresholdNanos: 500 * Self.ms)
        for (index, at) in [0, 33, 700, 733].enumerated() {
            Self.packet(sequence: UInt16(index), marker: true, payload: [0x10, 0x01])
                .withUnsafeBytes { stats.record($0, now: UInt64(at) * Self.ms) }
        }
        #expect(stats.freezes == 1)
        #expect(stats.frozenNanos == 667 * Self.ms)
        #expect(stats.closed(at: 1_000 * Self.ms).freezes == 1)  // 267 ms since the last frame: no freeze
        #expect(stats.closed(at: 1_300 * Self.ms).freezes == 2)  // 567 ms: the track stopped
    }

    /// Last-N: a video the node stops forwarding on purpose is paused, not
    /// frozen; after a resume the wait for its next frame counts from the resume.
    @Test func aPausedVideoCountsNoFreezeAndTheWaitAfterAResumeCountsFromIt() {
        var stats = TrackReceiveStats(isVideo: true, freezeThresholdNanos: 500 * Self.ms)
        let frame = { (sequence: UInt16, at: UInt64) in
            Self.packet(sequence: sequence, marker: true, payload: [0x10, 0x01]).withUnsafeBytes { stats.record($0, now: at * Self.ms) }
        }
        frame(0, 0)
        frame(1, 33)
        stats.pause(at: 100 * Self.ms)
        #expect(stats.closed(at: 5_000 * Self.ms).freezes == 0)  // paused: silence is expected
        stats.resume(at: 5_000 * Self.ms)
        frame(2, 5_200)  // 200 ms after the resume: no freeze
        #expect(stats.freezes == 0)
        stats.pause(at: 5_300 * Self.ms)
        stats.resume(at: 6_000 * Self.ms)
        frame(3, 6_800)  // 800 ms after the resume: the tile waited, a freeze
        #expect(stats.freezes == 1)
        #expect(stats.frozenNanos == 800 * Self.ms)
    }

    @Test func theFirstPageIsTheRoomsFirstVideosAndNoLimitSendsNoPreferences() {
        let videos = (0..<12).map { VideoSelectionData.Video(participantId: UUID(), source: $0 == 11 ? .screen : .camera) }
        let page = VideoPage(limit: 4, pageSize: 9, followSpeakers: true, maxHeight: 360)
        let preferences = page.preferences(videos: videos)
        #expect(preferences?.limit == 4)
        #expect(preferences?.tiles.map(\.participantId) == videos.prefix(9).map(\.participantId))
        #expect(preferences?.tiles.allSatisfy { $0.maxHeight == 360 } == true)
        #expect(preferences?.speakers == VideoPreferencesRequest.Speakers(follow: true, maxHeight: 360))
        #expect(VideoPage(limit: 4, pageSize: 9, followSpeakers: false, maxHeight: 360).preferences(videos: videos)?.speakers == nil)
        #expect(VideoPage(limit: nil, pageSize: 9, followSpeakers: true, maxHeight: 360).preferences(videos: videos) == nil)
    }

    /// `--resize-seconds`: resized, every tile and the speakers ask for `--resize-height`.
    @Test func resizedTilesAskForTheOtherHeight() {
        let videos = (0..<3).map { _ in VideoSelectionData.Video(participantId: UUID(), source: .camera) }
        var page = VideoPage(limit: 4, pageSize: 9, followSpeakers: true, maxHeight: 360)
        #expect(page.preferences(videos: videos, resized: true)?.tiles.map(\.maxHeight) == [360, 360, 360])  // no other height
        page.resizedHeight = 720
        page.resizeEvery = 8
        let resized = page.preferences(videos: videos, resized: true)
        #expect(resized?.tiles.map(\.maxHeight) == [720, 720, 720])
        #expect(resized?.speakers?.maxHeight == 720)
        #expect(page.preferences(videos: videos)?.tiles.map(\.maxHeight) == [360, 360, 360])
    }

    /// `--page-turn-seconds`: the next page is the next `pageSize` videos, the last one
    /// short, and turning past it wraps to the first.
    @Test func turningPagesWalksTheVideosAndWrapsAround() {
        let videos = (0..<12).map { _ in VideoSelectionData.Video(participantId: UUID(), source: .camera) }
        let page = VideoPage(limit: 9, pageSize: 9, followSpeakers: false, maxHeight: 180)
        #expect(page.pageCount(videos: 12) == 2)
        #expect(page.pageCount(videos: 0) == 1)
        #expect(page.preferences(videos: videos, page: 1)?.tiles.map(\.participantId) == videos.suffix(3).map(\.participantId))
        #expect(page.preferences(videos: videos, page: 2)?.tiles.map(\.participantId) == videos.prefix(9).map(\.participantId))
    }

    @Test func theAudioLevelExtensionKeepsThePayloadWhereTheHeaderSaysIs() {
        var writer = RTPStreamWriter(ssrc: 1, payloadType: 111)
        writer.audioLevelID = 3
        let buffer = writer.packet(payload: [0xF8, 1, 2], marker: false, allocator: .init(), audioLevel: (10, true))
        let bytes = Array(buffer.readableBytesView)
        let header = bytes.withUnsafeBytes { try? RTPHeader(parsing: $0) }
        #expect(header?.payloadOffset == 20)
        #expect(Array(bytes[16..<18]) == [0x30, 0x80 | 10])
        #expect(Array(bytes[20...]) == [0xF8, 1, 2])
    }

    @Test func syntheticVideoAveragesTheAskedRate() {
        let media = SyntheticMedia(videoBitsPerSecond: 1_500_000, framesPerSecond: 30, keyframeSeconds: 3, audioBitsPerSecond: 32_000)
        let key = media.keyframePayloads.reduce(0) { $0 + $1.count }
        let delta = media.deltaPayloads.reduce(0) { $0 + $1.count }
        let bitsPerSecond = Double(key + (media.keyframeInterval - 1) * delta) * 8 / 3
        #expect(abs(bitsPerSecond - 1_500_000) / 1_500_000 < 0.05)
        #expect(media.keyframePayloads.allSatisfy { $0.count <= SyntheticMedia.maxPayload })
        #expect(media.opusPayload.count == 80)
    }

    @Test func thePlanFillsMeetingsInTurnWithPublishersFirst() {
        let plan = LoadPlan(meetings: 2, participantsPerMeeting: 5, videoPublishers: 2, audioOnlyShare: 0.34, speakers: 1)
        let participants = plan.participants(meetingCodes: ["a", "b"])
        #expect(participants.count == 10)
        #expect(participants.prefix(2).map(\.meetingCode) == ["a", "b"])
        let first = participants.filter { $0.meetingCode == "a" }
        #expect(first.map(\.publishes) == [.audioAndVideo, .audioAndVideo, .audioOnly, .nothing, .nothing])
        #expect(first.map(\.speaking) == [true, false, false, false, false])
        #expect(first.map(\.position) == [0, 1, 2, 3, 4])
        #expect(plan.audioPublishersPerMeeting == 3)
    }

    @Test func aVideoLastNPausesWithItsAudioInTheSlotsOwesNoMedia() {
        let (seen, paused, heard) = (UUID(), UUID(), UUID())
        let receiver = NodeReceiver(freezeThresholdNanos: 500 * Self.ms) { _ in }
        // Audio in two slots; `heard` also has a section of its own for its mic.
        receiver.carry(
            [TrackInfo(id: "s:1", participantId: seen, kind: .camera, mid: "1"),
             TrackInfo(id: "p:1", participantId: paused, kind: .camera, mid: "2"),
             TrackInfo(id: "h:0", participantId: heard, kind: .mic, mid: "3")],
            audioSlots: ["4", "5"], now: 0)
        // Before the first video-selection every video is forwarded.
        #expect(receiver.expectsMedia(from: paused))
        receiver.forward([VideoSelectionData.Video(participantId: seen, source: .camera)], now: 10 * Self.ms)
        #expect(receiver.expectsMedia(from: seen))
        #expect(!receiver.expectsMedia(from: paused))
        #expect(receiver.expectsMedia(from: heard))
        #expect(receiver.expectsMedia(from: NodeReceiver.audioSlots))
        #expect(!receiver.expectsMedia(from: UUID()))
    }

    @Test func speakersTakeTurnsOverTheAudioPublishersAndEachTurnHasOneNewcomer() {
        let second: UInt64 = 1_000_000_000
        let turns = SpeakerTurns(period: 2 * second, start: 10 * second, speakers: 2, audioPublishers: 4)
        func loud(at seconds: UInt64) -> [Int] {
            (0..<6).filter { turns.isSpeaking(position: $0, at: seconds * second) }
        }
        #expect(loud(at: 5) == [0, 1])  // before the start: turn 0
        #expect(loud(at: 11) == [0, 1])
        #expect(loud(at: 12) == [1, 2])
        #expect(loud(at: 14) == [2, 3])
        #expect(loud(at: 16) == [0, 3])  // wraps around; positions 4 and 5 never publish audio
        #expect(turns.newcomer(in: 0) == nil)
        #expect(turns.newcomer(in: 1) == 2)
        #expect(turns.newcomer(in: 3) == 0)
        #expect(turns.turnStart(2) == 14 * second)
        // Nobody to take over: the planned speakers speak throughout and nothing is timed.
        let fixed = SpeakerTurns(period: second, start: 0, speakers: 2, audioPublishers: 2)
        #expect(!fixed.rotates)
        #expect(fixed.isSpeaking(position: 1, at: 7 * second))
        #expect(fixed.newcomer(in: 3) == nil)
    }

    @Test func connectionPerPublisherSubscribesUpToTheCapAndDropsWhoStopped() {
        let ids = (0..<4).map { _ in UUID() }
        let publications = ids.prefix(3).map { Publication(participantId: $0, nodeId: "n", tracks: []) }
        let strategy = ConnectionPerPublisher(maxSubscriptions: 2)
        #expect(strategy.plan(publications: publications, subscribed: []) == [.subscribe(ids[0]), .subscribe(ids[1])])
        #expect(strategy.plan(publications: publications, subscribed: [ids[1], ids[3]])
            == [.unsubscribe(ids[3]), .subscribe(ids[0])])
    }

    @Test func percentilesAreNearestRank() {
        let distribution = Distribution((1...100).map(Double.init))
        #expect(distribution.p50 == 50)
        #expect(distribution.p95 == 95)
        #expect(distribution.p99 == 99)
        #expect(distribution.max == 100)
        #expect(Distribution([]).count == 0)
    }

    @Test func theAudioLevelIdIsReadFromTheNodesAnswer() {
        let answer = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=extmap:4 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
        #expect(SimulatedParticipant.audioLevelID(in: answer) == 4)
        #expect(SimulatedParticipant.audioLevelID(in: "v=0\r\na=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid\r\n") == nil)
    }
}
