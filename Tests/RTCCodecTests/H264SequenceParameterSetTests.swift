import Testing
@testable import MeetRTP

/// H.264 SPS picture sizes (ITU-T H.264 §7.3.2.1.1) from real encoders'
/// bytes, out of RTP payloads (RFC 6184: single NAL, STAP-A, FU-A), and
/// bounded on hostile input: a publisher chooses these bytes.
@Suite struct H264SequenceParameterSetTests {
    struct Vector: CustomTestStringConvertible, Sendable {
        var name: String
        var bytes: [UInt8]
        var profile: UInt8
        var width: Int
        var height: Int
        var testDescription: String { name }
    }

    /// aiortc 1.16's `H264Encoder` (libx264 through PyAV, Constrained Baseline,
    /// level 3.1), taken from the STAP-A of its first keyframe at each size.
    /// 180 and 360 rows are 12 and 23 macroblocks high: cropped by 12 and 8 rows.
    static let aiortc180: [UInt8] = [
        0x67, 0x42, 0xC0, 0x1F, 0xD9, 0x01, 0x41, 0x9F, 0x9E, 0x10, 0x00, 0x00, 0x03, 0x00, 0x10, 0x00, 0x00, 0x03,
        0x03, 0xC8, 0xF1, 0x83, 0x24, 0x80,
    ]
    static let aiortc360: [UInt8] = [
        0x67, 0x42, 0xC0, 0x1F, 0xD9, 0x00, 0xA0, 0x2F, 0xF9, 0x61, 0x00, 0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x03,
        0x00, 0x3C, 0x8F, 0x18, 0x32, 0x48,
    ]
    static let aiortc720: [UInt8] = [
        0x67, 0x42, 0xC0, 0x1F, 0xD9, 0x00, 0x50, 0x05, 0xBA, 0x10, 0x00, 0x00, 0x03, 0x00, 0x10, 0x00, 0x00, 0x03,
        0x03, 0xC8, 0xF1, 0x83, 0x24, 0x80,
    ]
    /// The PPS aiortc sends after its SPS.
    static let aiortcPPS: [UInt8] = [0x68, 0xCB, 0x8C, 0xB2]

    /// libx264 (ffmpeg 5.1, `-f lavfi -i testsrc=size=WxH -frames:v 1 -c:v libx264 -profile:v P`).
    static let vectors: [Vector] = [
        Vector(name: "aiortc 320x180", bytes: aiortc180, profile: 66, width: 320, height: 180),
        Vector(name: "aiortc 640x360", bytes: aiortc360, profile: 66, width: 640, height: 360),
        Vector(name: "aiortc 1280x720", bytes: aiortc720, profile: 66, width: 1280, height: 720),
        // Chromium 156's H.264 encoder (OpenH264, as its WebRTC uses), through WebCodecs
        // (`VideoEncoder`, `avc1.42e01f`, Annex B, one keyframe of a canvas at each size);
        // ffprobe reads each keyframe at its size.
        Vector(
            name: "Chromium 320x180",
            bytes: [
                0x67, 0x42, 0xC0, 0x0D, 0x8C, 0x8D, 0x40, 0xA0, 0xCB, 0xCF, 0x37, 0x01, 0x0D, 0x01, 0x07, 0x84, 0x42, 0x35,
            ], profile: 66, width: 320, height: 180),
        Vector(
            name: "Chromium 640x360",
            bytes: [
                0x67, 0x42, 0xC0, 0x1E, 0x8C, 0x8D, 0x40, 0x50, 0x17, 0xFC, 0xB3, 0x70, 0x10, 0xD0, 0x10, 0x78, 0x44, 0x23,
                0x50,
            ], profile: 66, width: 640, height: 360),
        Vector(
            name: "Chromium 1280x720",
            bytes: [
                0x67, 0x42, 0xC0, 0x1F, 0x8C, 0x8D, 0x40, 0x28, 0x02, 0xDD, 0x37, 0x01, 0x0D, 0x01, 0x07, 0x84, 0x42, 0x35,
            ], profile: 66, width: 1280, height: 720),
        Vector(
            name: "libx264 baseline 320x240 (the recorder's vector)",
            bytes: [
                0x67, 0x42, 0xC0, 0x0D, 0xD9, 0x01, 0x41, 0xFB, 0x01, 0x10, 0x00, 0x00, 0x03, 0x00, 0x10, 0x00, 0x00, 0x03,
                0x03, 0xC0, 0xF1, 0x42, 0xA4, 0x80,
            ], profile: 66, width: 320, height: 240),
        Vector(
            name: "libx264 high 640x360",
            bytes: [
                0x67, 0x64, 0x00, 0x1E, 0xAC, 0xD9, 0x40, 0xA0, 0x2F, 0xF9, 0x70, 0x11, 0x00, 0x00, 0x03, 0x00, 0x01, 0x00,
                0x00, 0x03, 0x00, 0x3C, 0x0F, 0x16, 0x2D, 0x96,
            ], profile: 100, width: 640, height: 360),
        Vector(
            name: "libx264 high 1280x720",
            bytes: [
                0x67, 0x64, 0x00, 0x1F, 0xAC, 0xD9, 0x40, 0x50, 0x05, 0xBB, 0x01, 0x10, 0x00, 0x00, 0x03, 0x00, 0x10, 0x00,
                0x00, 0x03, 0x03, 0xC0, 0xF1, 0x83, 0x19, 0x60,
            ], profile: 100, width: 1280, height: 720),
        // 4:4:4 (chroma_format_idc 3): crop units of 1 row, 12 rows off 192.
        Vector(
            name: "libx264 high 4:4:4 320x180",
            bytes: [
                0x67, 0xF4, 0x00, 0x0D, 0x91, 0x9B, 0x28, 0x28, 0x33, 0xF1, 0xB8, 0x08, 0x80, 0x00, 0x00, 0x03, 0x00, 0x80,
                0x00, 0x00, 0x1E, 0x07, 0x8A, 0x14, 0xCB,
            ], profile: 244, width: 320, height: 180),
        // Field coding (`-flags +ilme+ildct -x264-params interlaced=1`): frame_mbs_only 0,
        // 34 map units of 32 rows, cropped by 2 units of 4 rows.
        Vector(
            name: "libx264 high 1920x1080 interlaced",
            bytes: [
                0x67, 0x64, 0x00, 0x28, 0xAC, 0xD9, 0x40, 0x78, 0x04, 0x4F, 0xDE, 0x02, 0x20, 0x00, 0x00, 0x03, 0x00, 0x20,
                0x00, 0x00, 0x07, 0x83, 0xE2, 0xC5, 0xB2, 0xC0,
            ], profile: 100, width: 1920, height: 1080),
        // x264 puts its custom matrices in the PPS, so this SPS with a scaling matrix
        // (4x4 list 0 explicit, list 1 "use default", 8x8 lists 6 and 7, the others
        // absent) was written by hand; ffprobe reads it as 640x360 and ffmpeg
        // decodes libx264's 640x360 frame behind it.
        Vector(
            name: "high 640x360 with scaling lists",
            bytes: [
                0x67, 0x64, 0x00, 0x1E, 0xAD, 0x90, 0xCC, 0x45, 0x10, 0xE2, 0x92, 0x45, 0x98, 0x90, 0x88, 0x52, 0x49, 0x24,
                0x92, 0x49, 0x24, 0x92, 0x49, 0x24, 0x92, 0x49, 0x2F, 0xFF, 0xFF, 0x6D, 0xB6, 0xDB, 0x6D, 0xB6, 0xE6, 0x14,
                0x08, 0x76, 0x80, 0xA0, 0x2F, 0xF9, 0x50,
            ], profile: 100, width: 640, height: 360),
    ]

    @Test("real SPS bytes give the picture size after cropping", arguments: vectors)
    func vector(_ vector: Vector) throws {
        let sps = try #require(H264SequenceParameterSet(parsing: vector.bytes))
        #expect(sps.profile == vector.profile)
        #expect(sps.width == vector.width)
        #expect(sps.height == vector.height)
    }

    @Test("emulation prevention bytes are removed; other NAL types are not an SPS")
    func unescapingAndType() {
        #expect(H264SequenceParameterSet.unescaped([0, 0, 3, 1, 0, 0, 3, 0, 0]) == [0, 0, 1, 0, 0, 0, 0])
        #expect(H264SequenceParameterSet(parsing: Self.aiortcPPS) == nil)
        #expect(H264SequenceParameterSet(parsing: [0x65] + Self.aiortc360.dropFirst()) == nil)
        #expect(H264SequenceParameterSet(parsing: Array(Self.aiortc360.prefix(6))) == nil)
        #expect(H264SequenceParameterSet(parsing: []) == nil)
    }

    static func stapA(_ units: [[UInt8]]) -> [UInt8] {
        [0x78] + units.flatMap { [UInt8($0.count >> 8), UInt8($0.count & 0xFF)] + $0 }
    }

    /// `nal` in FU-A fragments of at most `chunk` bytes after the NAL header.
    static func fuA(_ nal: [UInt8], chunk: Int) -> [[UInt8]] {
        let body = Array(nal.dropFirst())
        return stride(from: 0, to: body.count, by: chunk).map { start in
            let end = min(start + chunk, body.count)
            let header = (start == 0 ? 0x80 : 0) | (end == body.count ? 0x40 : 0) | (nal[0] & 0x1F)
            return [(nal[0] & 0xE0) | 28, header] + body[start..<end]
        }
    }

    @Test("RTP payloads: a single SPS, a STAP-A holding one (first or later), the first FU-A fragment of one")
    func rtpPayloads() throws {
        func size(_ payload: [UInt8]) -> [Int]? {
            H264SequenceParameterSet(rtpPayload: payload).map { [$0.width, $0.height] }
        }
        #expect(size(Self.aiortc180) == [320, 180])
        // As aiortc and browsers send a keyframe: SPS and PPS aggregated before the IDR.
        #expect(size(Self.stapA([Self.aiortc360, Self.aiortcPPS])) == [640, 360])
        #expect(size(Self.stapA([Self.aiortcPPS, [0x06, 0x05, 0x01, 0x80], Self.aiortc720])) == [1280, 720])
        // The SPS alone in an FU-A: its first fragment carries the fields up to the cropping.
        let fragments = Self.fuA(Self.aiortc360, chunk: 16)
        #expect(fragments.count == 2)
        #expect(size(fragments[0]) == [640, 360])
        #expect(size(fragments[1]) == nil)  // not a start fragment
        #expect(size(Self.fuA(Self.aiortc360, chunk: 4)[0]) == nil)  // too little of it

        // Not an SPS, or a malformed aggregate.
        #expect(size([0x65, 0x88, 0x84, 0x00, 0x33]) == nil)  // IDR
        #expect(size(Self.stapA([Self.aiortcPPS, [0x65, 0x88, 0x84]])) == nil)
        #expect(size(Self.fuA([0x65] + [UInt8](repeating: 0x11, count: 40), chunk: 16)[0]) == nil)
        var overrun = Self.stapA([Self.aiortc360])
        overrun[2] = UInt8(Self.aiortc360.count + 1)
        #expect(size(overrun) == nil)
        #expect(size(Array(Self.stapA([Self.aiortcPPS, Self.aiortc360]).prefix(12))) == nil)
        #expect(size([0x78, 0x00, 0x00, 0x67]) == nil)  // a zero-length unit
        #expect(size([0x78]) == nil)
        #expect(size([]) == nil)
    }

    /// A prefix of an SPS either lacks a field the size needs (nil) or holds
    /// them all (the same size); a changed or random input never traps and
    /// never gives a size outside 1…16 384.
    @Test("truncated, bit-flipped and random input: bounded, no trap")
    func hostileInput() {
        func check(_ sps: H264SequenceParameterSet?) {
            guard let sps else { return }
            #expect((1...H264SequenceParameterSet.maximumDimension).contains(sps.width))
            #expect((1...H264SequenceParameterSet.maximumDimension).contains(sps.height))
        }
        var parsedPrefixes = 0
        for vector in Self.vectors {
            for length in 0..<vector.bytes.count {
                let prefix = Array(vector.bytes.prefix(length))
                if let sps = H264SequenceParameterSet(parsing: prefix) {
                    #expect([sps.width, sps.height] == [vector.width, vector.height], "\(vector.name) prefix \(length)")
                    parsedPrefixes += 1
                }
                check(H264SequenceParameterSet(rtpPayload: Self.stapA([prefix])))
                check(H264SequenceParameterSet(rtpPayload: Self.fuA(vector.bytes, chunk: max(length, 1))[0]))
            }
            // Every single bit flipped (the header's type bits included).
            for bit in 0..<(vector.bytes.count * 8) {
                var flipped = vector.bytes
                flipped[bit / 8] ^= 0x80 >> UInt8(bit % 8)
                check(H264SequenceParameterSet(parsing: flipped))
                check(H264SequenceParameterSet(rtpPayload: Self.stapA([flipped, Self.aiortcPPS])))
            }
        }
        // The trailing VUI fields are not read, so some prefixes short of the whole NAL parse.
        #expect(parsedPrefixes > 0)

        var generator = SeededGenerator(seed: 0x5EED_0264)
        for round in 0..<20_000 {
            let count = Int.random(in: 0...96, using: &generator)
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            // Half the rounds: a valid SPS header and profile, so the parser gets past the start.
            if round % 2 == 0, count > 2 {
                bytes[0] = 0x67
                bytes[1] = [66, 77, 100, 244, 110][round / 2 % 5]
            }
            check(H264SequenceParameterSet(parsing: bytes))
            if count > 0 { bytes[0] = [0x67, 0x78, 0x7C][round % 3] }
            check(H264SequenceParameterSet(rtpPayload: bytes))
        }
        // Long runs of zeros (Exp-Golomb codes that never end) and of ones.
        check(H264SequenceParameterSet(parsing: [0x67, 0x64, 0x00, 0x1F] + [UInt8](repeating: 0, count: 5_000)))
        check(H264SequenceParameterSet(parsing: [0x67, 0x64, 0x00, 0x1F] + [UInt8](repeating: 0xFF, count: 5_000)))
        // Every scaling list present with the largest deltas: still bounded by maximumLength.
        check(H264SequenceParameterSet(parsing: [0x67, 0xF4, 0x00, 0x1F, 0x80, 0xFF] + [UInt8](repeating: 0x01, count: 5_000)))
    }
}
