import NIOCore

/// Pre-built media that looks like a camera and a microphone on the wire:
/// VP8 frames already cut into RTP payloads (RFC 7741 payload descriptor,
/// a valid VP8 frame tag, random-looking bytes after it) and Opus packets.
/// Built once per run and shared by every publisher, so sending costs no
/// encoding, only RTP headers and SRTP.
struct SyntheticMedia: Sendable {
    /// Largest RTP payload; keeps every packet under a 1200-byte path MTU with SRTP.
    static let maxPayload = 1100

    let framesPerSecond: Int
    /// A keyframe every this many frames (unless one is asked for sooner).
    let keyframeInterval: Int
    let keyframePayloads: [[UInt8]]
    let deltaPayloads: [[UInt8]]
    let opusPayload: [UInt8]
    /// `--simulcast`: the layers a publisher sends instead of the one
    /// stream, lowest first (empty: one stream).
    let simulcastLayers: [Layer]

    /// One simulcast layer's frames: its RID (the offer's `q;h;f`), picture
    /// size (in its keyframes' VP8 header, so the node ranks the layers by
    /// size as it does a browser's) and rate.
    struct Layer: Sendable {
        var rid: String
        var width: Int
        var height: Int
        var bitsPerSecond: Int
        var keyframePayloads: [[UInt8]]
        var deltaPayloads: [[UInt8]]
    }

    /// The layers `--simulcast` sends, as Chromium's from a 1280×720 camera:
    /// a quarter, half and the whole size, at a tenth, 3/10 and all of
    /// `--video-kbps` (Chromium's defaults at 720p are about 150, 500 and
    /// 1 700 kbit/s).
    static let simulcastShapes: [(rid: String, width: Int, height: Int, share: Double)] = [
        ("q", 320, 180, 0.1), ("h", 640, 360, 0.3), ("f", 1280, 720, 1.0),
    ]

    /// - Parameters:
    ///   - videoBitsPerSecond: average video rate, keyframes included.
    ///   - keyframeSeconds: the natural keyframe interval.
    ///   - audioBitsPerSecond: Opus rate at 50 packets a second.
    ///   - simulcast: send ``simulcastShapes`` (`videoBitsPerSecond` is the top layer's rate).
    init(
        videoBitsPerSecond: Int, framesPerSecond: Int, keyframeSeconds: Double, audioBitsPerSecond: Int,
        simulcast: Bool = false
    ) {
        self.framesPerSecond = max(1, framesPerSecond)
        let keyframeInterval = max(1, Int((keyframeSeconds * Double(self.framesPerSecond)).rounded()))
        self.keyframeInterval = keyframeInterval
        let fps = self.framesPerSecond
        // Bytes per interval, with the keyframe five times a delta frame (a
        // typical ratio for a talking head).
        func frames(bitsPerSecond: Int, width: Int, height: Int) -> (key: [[UInt8]], delta: [[UInt8]]) {
            let perInterval = Double(bitsPerSecond) / 8 * Double(keyframeInterval) / Double(fps)
            let deltaBytes = max(16, Int(perInterval / Double(keyframeInterval + 4)))
            return (
                Self.vp8Payloads(frameBytes: deltaBytes * 5, keyframe: true, width: width, height: height),
                Self.vp8Payloads(frameBytes: deltaBytes, keyframe: false))
        }
        let single = frames(bitsPerSecond: videoBitsPerSecond, width: 640, height: 360)
        keyframePayloads = single.key
        deltaPayloads = single.delta
        simulcastLayers = simulcast ? Self.simulcastShapes.map { shape in
            let rate = max(1_000, Int(Double(videoBitsPerSecond) * shape.share))
            let layer = frames(bitsPerSecond: rate, width: shape.width, height: shape.height)
            return Layer(
                rid: shape.rid, width: shape.width, height: shape.height, bitsPerSecond: rate,
                keyframePayloads: layer.key, deltaPayloads: layer.delta)
        } : []
        let opusBytes = max(3, audioBitsPerSecond / 8 / 50)
        // TOC byte (RFC 6716 §3.1): config 31 (CELT FB 20 ms), mono, one frame.
        opusPayload = [0xF8] + Self.noise(count: opusBytes - 1, seed: 7)
    }

    /// One VP8 frame split into payloads: each starts with a one-byte
    /// payload descriptor (RFC 7741 §4.2; S=1 on the first), the first
    /// continues with the frame tag (RFC 6386 §9.1) and, for a keyframe,
    /// the start code and the picture size (14-bit little-endian width and height).
    static func vp8Payloads(frameBytes: Int, keyframe: Bool, width: Int = 640, height: Int = 360) -> [[UInt8]] {
        let firstPartition = min(frameBytes, 0x7FFFF)
        let tag = UInt32(keyframe ? 0 : 1) | 0x10 | UInt32(firstPartition) << 5
        var frame: [UInt8] = [UInt8(tag & 0xFF), UInt8(tag >> 8 & 0xFF), UInt8(tag >> 16 & 0xFF)]
        if keyframe {
            frame += [0x9D, 0x01, 0x2A, UInt8(width & 0xFF), UInt8(width >> 8 & 0x3F), UInt8(height & 0xFF), UInt8(height >> 8 & 0x3F)]
        }
        frame += noise(count: max(0, frameBytes - frame.count), seed: keyframe ? 1 : 2)
        var payloads: [[UInt8]] = []
        var offset = 0
        while offset < frame.count {
            let end = min(frame.count, offset + maxPayload - 1)
            payloads.append([UInt8(offset == 0 ? 0x10 : 0x00)] + Array(frame[offset..<end]))
            offset = end
        }
        return payloads
    }

    /// Deterministic bytes that do not compress (xorshift).
    static func noise(count: Int, seed: UInt32) -> [UInt8] {
        var state = seed &* 2_654_435_761 | 1
        return (0..<count).map { _ in
            state ^= state << 13
            state ^= state >> 17
            state ^= state << 5
            return UInt8(truncatingIfNeeded: state)
        }
    }
}

/// One outgoing RTP stream: SSRC, payload type, sequence numbers and
/// timestamps, and the optional audio-level header extension (RFC 6464).
struct RTPStreamWriter {
    let ssrc: UInt32
    let payloadType: UInt8
    var sequenceNumber = UInt16.random(in: 0...UInt16.max)
    private(set) var timestamp = UInt32.random(in: 0...UInt32.max)
    /// The negotiated `a=extmap` id of ssrc-audio-level, if the node accepted it.
    var audioLevelID: UInt8?
    /// One-byte header extension elements (RFC 8285 §4.2) on every packet:
    /// a simulcast layer's mid and RtpStreamId (RFC 8852), as `(id, value)`.
    var fixedExtensions: [(id: UInt8, value: [UInt8])] = []

    init(ssrc: UInt32, payloadType: UInt8) {
        self.ssrc = ssrc
        self.payloadType = payloadType
    }

    /// A plaintext RTP packet carrying `payload`.
    ///
    /// - Parameter audioLevel: -dBov 0...127 (0 loudest) with the voice
    ///   activity flag; written only when the extension was negotiated.
    mutating func packet(
        payload: [UInt8], marker: Bool, allocator: ByteBufferAllocator, audioLevel: (level: UInt8, voice: Bool)? = nil
    ) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 12 + 8 + payload.count + 32)
        var elements = fixedExtensions
        if let extensionID = audioLevelID, let audioLevel {
            elements.append((extensionID, [(audioLevel.voice ? 0x80 : 0) | min(audioLevel.level, 127)]))
        }
        buffer.writeInteger(UInt8(elements.isEmpty ? 0x80 : 0x90))
        buffer.writeInteger(UInt8(marker ? 0x80 : 0) | payloadType)
        buffer.writeInteger(sequenceNumber)
        buffer.writeInteger(timestamp)
        buffer.writeInteger(ssrc)
        if !elements.isEmpty {
            // RFC 8285 §4.2 one-byte header: 0xBEDE, the length in words, then
            // (id, len-1) and the value per element, zero padding to a word.
            let length = elements.reduce(0) { $0 + 1 + $1.value.count }
            let words = (length + 3) / 4
            buffer.writeInteger(UInt16(0xBEDE))
            buffer.writeInteger(UInt16(words))
            for element in elements {
                buffer.writeInteger(UInt8(element.id << 4 | UInt8(element.value.count - 1)))
                buffer.writeBytes(element.value)
            }
            buffer.writeRepeatingByte(0, count: words * 4 - length)
        }
        buffer.writeBytes(payload)
        sequenceNumber &+= 1
        return buffer
    }

    /// Moves the timestamp on by one frame's duration in clock ticks.
    mutating func advance(by ticks: UInt32) {
        timestamp &+= ticks
    }
}
