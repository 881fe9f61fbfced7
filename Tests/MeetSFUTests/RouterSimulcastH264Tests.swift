import MeetRTP
import Testing
@testable import MeetSFU

/// H.264 simulcast (#16 "Not done" 6): each layer's picture size comes from
/// the SPS its keyframes carry (a STAP-A of SPS and PPS before the IDR, as
/// aiortc and browsers send it), so a subscriber's `maxHeight` picks by
/// size. The layers' bitrates run the other way round here (the 180 px
/// layer sends the most), so choosing by bitrate, all the selector had for
/// H.264 before, would pick wrong: the control case without SPS shows it.
@Suite struct RouterSimulcastH264Tests {
    static let group: UInt32 = 0x7000
    static let layerSSRCs: [UInt32] = [0x7001, 0x7002, 0x7003]
    /// aiortc's SPS at 320×180, 640×360 and 1280×720 (`H264SequenceParameterSetTests`).
    static let sps: [[UInt8]] = [
        [0x67, 0x42, 0xC0, 0x1F, 0xD9, 0x01, 0x41, 0x9F, 0x9E, 0x10, 0x00, 0x00, 0x03, 0x00, 0x10, 0x00, 0x00, 0x03,
         0x03, 0xC8, 0xF1, 0x83, 0x24, 0x80],
        [0x67, 0x42, 0xC0, 0x1F, 0xD9, 0x00, 0xA0, 0x2F, 0xF9, 0x61, 0x00, 0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x03,
         0x00, 0x3C, 0x8F, 0x18, 0x32, 0x48],
        [0x67, 0x42, 0xC0, 0x1F, 0xD9, 0x00, 0x50, 0x05, 0xBA, 0x10, 0x00, 0x00, 0x03, 0x00, 0x10, 0x00, 0x00, 0x03,
         0x03, 0xC8, 0xF1, 0x83, 0x24, 0x80],
    ]
    static let pps: [UInt8] = [0x68, 0xCB, 0x8C, 0xB2]
    /// Delta-frame payload sizes per layer: highest for the smallest picture.
    static let deltaSizes = [1_000, 600, 200]

    static func stapA(_ units: [[UInt8]]) -> [UInt8] {
        [0x78] + units.flatMap { [UInt8($0.count >> 8), UInt8($0.count & 0xFF)] + $0 }
    }

    final class Harness {
        var clock = TestClock()
        let router = Router(maximumSubscribersPerTrack: 8)
        let batch = PacketBatch(capacity: 16)
        var sequence: [UInt16] = [100, 2_000, 40_000]
        var timestamp: [UInt32] = [1_000, 900_000, 7_000_000]
        /// Whether a keyframe starts with the SPS and PPS (false: the IDR alone).
        let sendsSPS: Bool

        init(sendsSPS: Bool = true) {
            self.sendsSPS = sendsSPS
            router.addSimulcastGroup(RouterSimulcastH264Tests.group, layers: RouterSimulcastH264Tests.layerSSRCs, codec: .h264)
        }

        /// One frame on every layer, 1/30 s apart: a keyframe is [STAP-A(SPS, PPS),] IDR,
        /// a delta frame one non-IDR slice. Returns how many packets each layer forwarded.
        @discardableResult
        func frame(keyframes: Set<Int> = []) -> [Int] {
            batch.reset()
            var forwarded: [Int] = []
            for index in 0..<3 {
                var payloads: [[UInt8]]
                if keyframes.contains(index) {
                    payloads = [[0x65] + [UInt8](repeating: 0x88, count: 300)]
                    if sendsSPS { payloads.insert(RouterSimulcastH264Tests.stapA([RouterSimulcastH264Tests.sps[index], RouterSimulcastH264Tests.pps]), at: 0) }
                } else {
                    payloads = [[0x41] + [UInt8](repeating: 0x9A, count: RouterSimulcastH264Tests.deltaSizes[index])]
                }
                var count = 0
                for payload in payloads {
                    let packet = rtp(seq: sequence[index], ts: timestamp[index], ssrc: RouterSimulcastH264Tests.layerSSRCs[index], pt: 102, payload: payload)
                    count += router.route(packet, now: clock.now, batch: batch).forwarded
                    sequence[index] &+= 1
                }
                timestamp[index] &+= 3_000
                forwarded.append(count)
            }
            clock.advance(.milliseconds(33))
            return forwarded
        }

        /// Keyframes on every layer, then `frames` delta frames (the monitors measure bitrates over 500 ms).
        func warmUp(frames: Int = 20) {
            frame(keyframes: [0, 1, 2])
            for _ in 0..<frames { frame() }
        }

        var downTrack: DownTrack? { router.track(ssrc: RouterSimulcastH264Tests.group)?.downTracks.first }

        /// Sets the constraint, sends keyframes on every layer, and returns the layer the subscriber gets.
        func switchTo(_ constraints: LayerSelector.Constraints) -> Int? {
            router.setLayerConstraints(constraints, publisherSSRC: RouterSimulcastH264Tests.group, subscriber: 1, now: clock.now)
            frame(keyframes: [0, 1, 2])
            let forwarded = frame()
            #expect(forwarded.filter { $0 > 0 }.count == 1, "one layer reaches the subscriber: \(forwarded)")
            return downTrack?.layers.current
        }
    }

    @Test("the layers' sizes come from the SPS in their keyframes' STAP-A; maxHeight picks by size, not bitrate")
    func maxHeightPicksBySize() throws {
        let h = Harness()
        h.warmUp()
        let layers = h.router.layers(ofGroup: Self.group)
        #expect(layers.map { $0.monitor.width } == [320, 640, 1280])
        #expect(layers.map { $0.monitor.height } == [180, 360, 720])
        // The bitrates run the other way: by bitrate the 180 px layer would rank highest.
        let bitrates = layers.map { $0.monitor.bitrate }
        #expect(bitrates[0] > bitrates[1] && bitrates[1] > bitrates[2] && bitrates[2] > 0)

        #expect(h.router.addDownTrack(publisherSSRC: Self.group, subscriber: 1, ssrc: 900, now: h.clock.now).added)
        #expect(h.switchTo(.init(maxHeight: 360)) == 1)
        #expect(h.switchTo(.init(maxHeight: 180)) == 0)
        #expect(h.switchTo(.unlimited) == 2)
        #expect(h.switchTo(.init(maxHeight: 719)) == 1)  // 720 does not fit 719
        #expect(h.switchTo(.init(maxHeight: 90)) == 0)  // nothing fits: the lowest, by size
        // The subscriber's SSRC throughout, one continuous sequence.
        #expect(Set(headers(in: h.batch).map(\.header.ssrc)) == [900])
    }

    @Test("control: keyframes without an SPS leave the sizes unknown, and maxHeight 360 falls to bitrate order")
    func withoutSPSTheBitrateDecides() {
        let h = Harness(sendsSPS: false)
        h.warmUp()
        #expect(h.router.layers(ofGroup: Self.group).map { $0.monitor.height } == [nil, nil, nil])
        #expect(h.router.addDownTrack(publisherSSRC: Self.group, subscriber: 1, ssrc: 900, now: h.clock.now).added)
        // Unknown sizes fit any maxHeight; the highest bitrate (the 180 px layer here) wins.
        #expect(h.switchTo(.init(maxHeight: 360)) == 0)
    }

    @Test("a later SPS with another size (the encoder scaled the layer) updates it; an IDR alone keeps it")
    func sizeFollowsTheEncoder() {
        let h = Harness()
        h.warmUp(frames: 2)
        #expect(h.router.layers(ofGroup: Self.group)[2].monitor.height == 720)
        // Layer 2 now sends the 640×360 SPS (e.g. Chromium's quality scaler); the next keyframe says so.
        let packet = rtp(seq: h.sequence[2], ts: h.timestamp[2], ssrc: Self.layerSSRCs[2], pt: 102, payload: Self.stapA([Self.sps[1], Self.pps]))
        h.router.route(packet, now: h.clock.now, batch: h.batch)
        #expect(h.router.layers(ofGroup: Self.group)[2].monitor.height == 360)
        let idr = rtp(seq: h.sequence[2] &+ 1, ts: h.timestamp[2], ssrc: Self.layerSSRCs[2], pt: 102, payload: [0x65, 0x88, 0x84])
        h.router.route(idr, now: h.clock.now, batch: h.batch)
        #expect(h.router.layers(ofGroup: Self.group)[2].monitor.height == 360)
    }
}
