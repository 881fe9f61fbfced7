import Testing
@testable import MeetRTP

/// RFC 3550 §5.1 header, RFC 8285 extensions, and the in-place rewrite path.
@Suite("RTP packet (RFC 3550, RFC 8285)")
struct RTPPacketTests {
    /// A Chrome-style Opus packet: one-byte extensions (ssrc-audio-level id 1,
    /// abs-send-time id 2, transport-cc id 3, mid id 4) then the payload.
    static let opus = hex("""
        90 6f 12 34 00 00 bb 80 11 22 33 44
        be de 00 03 10 ff 22 01 02 03 31 00 05 40 30 00
        fc ff fe
        """)

    @Test("§5.1 fixed header and RFC 8285 §4.2 one-byte extensions parse")
    func parseChromeOpus() throws {
        let header = try RTPHeader(parsing: Self.opus)
        #expect(header.marker == false)
        #expect(header.payloadType == 111)
        #expect(header.sequenceNumber == 0x1234)
        #expect(header.timestamp == 48000)
        #expect(header.ssrc == 0x1122_3344)
        #expect(header.extensionProfile == 0xBEDE)
        #expect(header.payloadOffset == 28)
        #expect(header.payloadLength == 3)
        let packet = try RTPPacket(parsing: Self.opus)
        #expect(packet.extensionValue(id: 1) == [0xFF])
        #expect(packet.extensionValue(id: 2) == [0x01, 0x02, 0x03])
        #expect(packet.extensionValue(id: 3) == [0x00, 0x05])
        #expect(packet.extensionValue(id: 4) == [0x30])
        #expect(packet.payload == [0xFC, 0xFF, 0xFE])
        #expect(try packet.encode() == Self.opus)
        let range = try Self.opus.withUnsafeBytes { try header.extensionRange(id: 3, in: $0) }
        #expect(range == 23..<25)
    }

    @Test("§5.1 CSRCs, marker, and padding round trip")
    func csrcsAndPadding() throws {
        let packet = RTPPacket(
            marker: true, payloadType: 96, sequenceNumber: 65535, timestamp: 0xFFFF_FFFF, ssrc: 1,
            csrcs: [10, 20, 30], payload: [1, 2, 3, 4, 5], paddingLength: 7)
        let bytes = try packet.encode()
        #expect(bytes.count == 12 + 12 + 5 + 7)
        #expect(bytes[0] == 0xA3)
        #expect(bytes.last == 7)
        let header = try RTPHeader(parsing: bytes)
        #expect(header.csrcCount == 3)
        #expect(bytes.withUnsafeBytes { header.csrc(at: 2, in: $0) } == 30)
        #expect(bytes.withUnsafeBytes { header.csrc(at: 3, in: $0) } == nil)
        #expect(header.paddingLength == 7)
        #expect(try RTPPacket(parsing: bytes) == packet)
    }

    @Test("RFC 8285 §4.3 two-byte form is chosen for long values and round-trips")
    func twoByteExtensions() throws {
        var packet = RTPPacket(payloadType: 96, sequenceNumber: 1, timestamp: 2, ssrc: 3, payload: [9])
        try packet.setExtension(id: 5, value: [1, 2])
        #expect(packet.extensionProfile == 0xBEDE)
        try packet.setExtension(id: 20, value: Array(repeating: 7, count: 40))
        #expect(packet.extensionProfile == 0x1000)
        let bytes = try packet.encode()
        let parsed = try RTPPacket(parsing: bytes)
        #expect(parsed.extensionValue(id: 5) == [1, 2])
        #expect(parsed.extensionValue(id: 20) == Array(repeating: 7, count: 40))
        var trimmed = parsed
        try trimmed.removeExtension(id: 20)
        #expect(trimmed.extensionProfile == 0xBEDE)
        try trimmed.removeExtension(id: 5)
        #expect(trimmed.extensionProfile == nil)
        #expect(try RTPPacket(parsing: try trimmed.encode()) == trimmed)
        // Two-byte form allows empty values.
        try packet.setExtension(id: 6, value: [])
        #expect(try RTPPacket(parsing: try packet.encode()).extensionValue(id: 6) == [])
    }

    @Test("RFC 8285 §4.2 ID 15 stops processing; padding bytes are skipped")
    func oneByteStopAndPadding() throws {
        let bytes = hex("90 60 00 01 00 00 00 02 00 00 00 03 be de 00 02 00 00 10 aa f0 20 bb cc")
        let packet = try RTPPacket(parsing: bytes)
        #expect(try packet.extensions() == [RTPExtensionElement(id: 1, value: [0xAA])])
    }

    @Test("in-place rewrite changes SSRC, sequence, timestamp, PT and marker only")
    func inPlaceRewrite() throws {
        var bytes = Self.opus
        #expect(RTPHeader.rewrite(&bytes, ssrc: 0xCAFE_BABE, sequenceNumber: 7, timestamp: 99, payloadType: 100, marker: true))
        let header = try RTPHeader(parsing: bytes)
        #expect(header.ssrc == 0xCAFE_BABE)
        #expect(header.sequenceNumber == 7)
        #expect(header.timestamp == 99)
        #expect(header.payloadType == 100)
        #expect(header.marker)
        #expect(bytes[12...] == Self.opus[12...])
        var short: [UInt8] = [0x80, 0]
        #expect(!RTPHeader.rewrite(&short, ssrc: 1))
        // Transport-wide sequence number overwritten in place.
        let ok = bytes.withUnsafeMutableBytes { buf in
            [UInt8](arrayLiteral: 0x12, 0x34).withUnsafeBytes { RTPHeader.overwriteExtension(id: 3, with: $0, in: buf) }
        }
        #expect(ok)
        #expect(try RTPPacket(parsing: bytes).extensionValue(id: 3) == [0x12, 0x34])
    }

    @Test("malformed headers throw typed errors")
    func rejections() {
        #expect(throws: RTPParseError.truncated(needed: 12, available: 3)) { try RTPHeader(parsing: [0x80, 0, 0]) }
        #expect(throws: RTPParseError.badVersion(1)) { try RTPHeader(parsing: [UInt8](repeating: 0x40, count: 12)) }
        var csrc = [UInt8](repeating: 0, count: 12); csrc[0] = 0x82
        #expect(throws: RTPParseError.truncated(needed: 20, available: 12)) { try RTPHeader(parsing: csrc) }
        var pad = [UInt8](repeating: 0, count: 14); pad[0] = 0xA0; pad[13] = 3
        #expect(throws: RTPParseError.badPadding(count: 3, available: 2)) { try RTPHeader(parsing: pad) }
        pad[13] = 0
        #expect(throws: RTPParseError.badPadding(count: 0, available: 2)) { try RTPHeader(parsing: pad) }
        let ext = hex("90 60 00 01 00 00 00 02 00 00 00 03 be de 00 05 00 00")
        #expect(throws: RTPParseError.extensionOverrun(length: 20, available: 2)) { try RTPHeader(parsing: ext) }
        let badElement = hex("90 60 00 01 00 00 00 02 00 00 00 03 be de 00 01 1f 00 00 00")
        #expect(throws: RTPParseError.self) { try RTPPacket(parsing: badElement).extensions() }
        #expect(throws: RTPParseError.self) { try RTPPacket(payloadType: 200, sequenceNumber: 0, timestamp: 0, ssrc: 0).encode() }
    }

    @Test("every truncation and random mutation of a packet is handled without trapping")
    func robustness() throws {
        let bytes = try RTPPacket(
            payloadType: 96, sequenceNumber: 1, timestamp: 2, ssrc: 3, csrcs: [4],
            extensionProfile: 0xBEDE, extensionData: [0x10, 1, 0x21, 2, 3, 0, 0, 0], payload: [1, 2, 3], paddingLength: 2
        ).encode()
        for n in 0..<bytes.count { _ = try? RTPPacket(parsing: Array(bytes.prefix(n))) }
        var rng = SeededGenerator(seed: 42)
        for _ in 0..<3000 {
            var m = bytes
            for _ in 0..<3 { m[Int.random(in: 0..<m.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            if let p = try? RTPPacket(parsing: m) { _ = try? p.extensions() }
        }
        #expect(RTPHeader.looksLikeRTCP(secondByte: 200))
        #expect(!RTPHeader.looksLikeRTCP(secondByte: 111))
    }
}

@Suite("Keyframe detection (RFC 7741, RFC 6184)")
struct KeyframeTests {
    @Test("RFC 7741 §4.2 descriptor with extended picture ID, TL0PICIDX, TID")
    func vp8Descriptor() throws {
        // X=1 S=1 PID=0; I L T; M=1 picture id 0x1234; tl0 5; tid 2 y=1
        let payload = hex("90 e0 92 34 05 a0 9d 01 2a")
        let d = try VP8PayloadDescriptor(parsing: payload)
        #expect(d.startOfPartition)
        #expect(d.pictureID == 0x1234)
        #expect(d.pictureIDIs15Bit)
        #expect(d.tl0PicIndex == 5)
        #expect(d.temporalLayer == 2)
        #expect(d.layerSync)
        #expect(d.length == 6)
        #expect(VP8PayloadDescriptor.isKeyframe(payload: payload + []) == false)  // 0x9d has P=1
        #expect(VP8PayloadDescriptor.isKeyframe(payload: hex("90 80 12 10 02 00 9d 01 2a")))
        #expect(!VP8PayloadDescriptor.isKeyframe(payload: hex("80 80 12 10 02 00 9d 01 2a")))  // S=0
        #expect(throws: RTPParseError.self) { try VP8PayloadDescriptor(parsing: hex("90 e0 92")) }
    }

    @Test("RFC 6184 §5.7.1/§5.8 IDR, SPS in STAP-A, FU-A start")
    func h264() {
        #expect(H264Keyframe.isKeyframe(payload: [0x65, 0x88]))  // IDR
        #expect(!H264Keyframe.isKeyframe(payload: [0x41, 0x9A]))  // non-IDR slice
        #expect(H264Keyframe.isKeyframe(payload: hex("78 00 02 67 42 00 02 68 ce")))  // STAP-A with SPS
        #expect(!H264Keyframe.isKeyframe(payload: hex("78 00 02 68 ce 00 09 41")))  // STAP-A, overrun
        #expect(H264Keyframe.isKeyframe(payload: [0x7C, 0x85, 0x00]))  // FU-A start of IDR
        #expect(!H264Keyframe.isKeyframe(payload: [0x7C, 0x05, 0x00]))  // FU-A middle
        #expect(!H264Keyframe.isKeyframe(payload: []))
    }
}

@Suite("RTP counter unwrapping (RFC 3550 §A.1)")
struct RTPCounterUnwrapperTests {
    @Test("sequence numbers extend across wraps and tolerate reordering")
    func sequenceNumbers() {
        var u = RTPSequenceNumberUnwrapper()
        #expect(u.unwrap(65534) == 65534)
        #expect(u.unwrap(65535) == 65535)
        #expect(u.unwrap(0) == 65536)
        #expect(u.unwrap(65533) == 65533)  // late packet from before the wrap
        #expect(u.unwrap(2) == 65538)
        #expect(u.unwrap(1) == 65537)
        var down = RTPSequenceNumberUnwrapper()
        #expect(down.unwrap(0) == 0)
        #expect(down.unwrap(65535) == -1)  // reordered before the first packet
    }

    @Test("timestamps extend across the 32-bit wrap")
    func timestamps() {
        var u = RTPTimestampUnwrapper()
        #expect(u.unwrap(0xFFFF_FF00) == 0xFFFF_FF00)
        #expect(u.unwrap(0x0000_0100) == 0x1_0000_0100)
        #expect(u.unwrap(0xFFFF_FFFF) == 0xFFFF_FFFF)
    }
}
