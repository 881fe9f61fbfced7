import MeetRTP
import Testing
@testable import MeetSFU

/// The audio level of a track for active speakers: the RFC 6464 byte, the
/// meter's windows and smoothing, and the router reading it per packet.
@Suite("Audio level")
struct AudioLevelTests {
    /// An Opus packet carrying the audio-level extension as `id` (one-byte form).
    static func opus(seq: UInt16, level: UInt8, voice: Bool = false, id: UInt8 = 1, ssrc: UInt32 = 0xA0D10) -> [UInt8] {
        var packet = RTPPacket(payloadType: 111, sequenceNumber: seq, timestamp: UInt32(seq) * 960, ssrc: ssrc, payload: [0xF8, 0xFF, 0xFE])
        try? packet.setExtension(id: id, value: [RTPAudioLevel(level: level, voiceActivity: voice).byte])
        return (try? packet.encode()) ?? []
    }

    @Test("RFC 6464 §3: the V bit and the 7-bit level; levels above 127 clamp")
    func byte() throws {
        #expect(RTPAudioLevel(byte: 0x80 | 30) == RTPAudioLevel(level: 30, voiceActivity: true))
        #expect(RTPAudioLevel(byte: 127) == RTPAudioLevel(level: 127, voiceActivity: false))
        #expect(RTPAudioLevel(level: 200, voiceActivity: false).level == 127)
        #expect(RTPAudioLevel(level: 30, voiceActivity: true).byte == 0x9E)
        let packet = Self.opus(seq: 1, level: 42, voice: true, id: 3)
        try packet.withUnsafeBytes { bytes in
            let header = try RTPHeader(parsing: bytes)
            #expect(RTPAudioLevel(packet: bytes, header: header, extensionID: 3) == RTPAudioLevel(level: 42, voiceActivity: true))
            #expect(RTPAudioLevel(packet: bytes, header: header, extensionID: 4) == nil)
        }
        let bare = rtp(seq: 1, ts: 0, pt: 111)
        try bare.withUnsafeBytes { bytes in
            let header = try RTPHeader(parsing: bytes)
            #expect(RTPAudioLevel(packet: bytes, header: header, extensionID: 3) == nil)
        }
    }

    @Test("a steady loud sender rises to a high level within a few windows; silence fades it to 0")
    func riseAndFall() {
        var meter = AudioLevelMeter()
        #expect(meter.closeWindow() == 0, "no packets: silent")
        var levels: [Int] = []
        for _ in 0..<4 {
            for _ in 0..<10 { meter.observe(RTPAudioLevel(level: 10, voiceActivity: false)) }
            levels.append(meter.closeWindow())
        }
        // Score of a full window at −10 dBov: 117/127 ≈ 0.92; the average gets there smoothly.
        #expect(levels == levels.sorted() && levels[0] > 0)
        #expect(levels.last == 90)
        var fading: [Int] = []
        for _ in 0..<6 {
            for _ in 0..<10 { meter.observe(RTPAudioLevel(level: 127, voiceActivity: false)) }
            fading.append(meter.closeWindow())
        }
        #expect(fading == fading.sorted(by: >))
        #expect(fading.last == 0)
        #expect(fading.allSatisfy { $0 % 5 == 0 }, "steps of 5 %")
    }

    @Test("below the active level, or active in under 40 % of a window, is not speech")
    func thresholds() {
        var quiet = AudioLevelMeter()
        for _ in 0..<50 { quiet.observe(RTPAudioLevel(level: 60, voiceActivity: false)) }
        #expect(quiet.closeWindow() == 0, "−60 dBov: background")
        var burst = AudioLevelMeter()
        for index in 0..<50 { burst.observe(RTPAudioLevel(level: index < 15 ? 5 : 127, voiceActivity: false)) }
        #expect(burst.closeWindow() == 0, "a click: 30 % of the window")
        var talk = AudioLevelMeter()
        for index in 0..<50 { talk.observe(RTPAudioLevel(level: index < 25 ? 20 : 127, voiceActivity: false)) }
        #expect(talk.closeWindow() > 0, "half the window")
    }

    @Test("a sender that sets the V bit runs a detector: its unmarked loud packets stop counting")
    func voiceActivity() {
        var meter = AudioLevelMeter()
        for _ in 0..<10 { meter.observe(RTPAudioLevel(level: 10, voiceActivity: false)) }
        #expect(meter.closeWindow() > 0, "no V bit seen yet: the level alone decides")
        meter.observe(RTPAudioLevel(level: 10, voiceActivity: true))
        #expect(meter.sendsVoiceActivity)
        var music = meter
        for _ in 0..<5 { _ = music.closeWindow() }
        for _ in 0..<50 { music.observe(RTPAudioLevel(level: 10, voiceActivity: false)) }
        #expect(music.closeWindow() == 0, "loud, but not voice")
        for _ in 0..<50 { meter.observe(RTPAudioLevel(level: 10, voiceActivity: true)) }
        #expect(meter.closeWindow() > 0)
    }

    @Test("the router reads the level of forwarded Opus packets once enabled; a hard mute reports 0; video has no meter")
    func router() {
        let router = Router()
        var clock = TestClock()
        router.addTrack(TrackConfiguration(ssrc: 0xA0D10, codec: .opus, payloadType: 111))
        router.addTrack(TrackConfiguration(ssrc: 0x1111, codec: .vp8, payloadType: 96))
        let batch = PacketBatch(capacity: 8)
        func send(_ from: UInt16, count: UInt16, level: UInt8) {
            for seq in from..<(from + count) {
                _ = router.route(Self.opus(seq: seq, level: level), now: clock.now, batch: batch)
                batch.reset()
                clock.advance(.milliseconds(20))
            }
        }
        func levels() -> [UInt32: Int] {
            var levels: [UInt32: Int] = [:]
            router.closeAudioLevelWindows { levels[$0] = $1 }
            return levels
        }
        send(1, count: 10, level: 5)
        #expect(levels() == [0xA0D10: 0], "not negotiated: not read")
        #expect(!router.isAudioLevelEnabled)
        router.enableAudioLevels(extensionID: 1)
        send(11, count: 10, level: 5)
        let first = levels()
        #expect(first.keys.sorted() == [0xA0D10] && first[0xA0D10]! > 0)
        router.setMuted(true, publisherSSRC: 0xA0D10, now: clock.now)
        send(21, count: 10, level: 5)
        #expect(levels() == [0xA0D10: 0])
        router.enableAudioLevels(extensionID: 15)
        #expect(router.isAudioLevelEnabled, "an id outside 1...14 is ignored")
    }
}
