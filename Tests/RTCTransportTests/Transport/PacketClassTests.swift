import MeetRTC
import NIOCore
import Testing

/// RFC 7983 §7 first-byte demultiplexing, and RFC 5761 §4 RTP/RTCP split.
@Suite("PacketClass (RFC 7983)")
struct PacketClassTests {
    @Test("every first-byte value lands in the RFC 7983 range it belongs to")
    func firstByteRanges() {
        for byte in 0...255 {
            let kind = PacketClass.classify(firstByte: UInt8(byte), secondByte: 96)
            switch byte {
            case 0...3: #expect(kind == .stun, "byte \(byte)")
            case 20...63: #expect(kind == .dtls, "byte \(byte)")
            case 128...191: #expect(kind == .rtp, "byte \(byte)")
            default: #expect(kind == .unknown, "byte \(byte)")
            }
        }
    }

    @Test("RFC 5761 §4: second byte 192–223 is RTCP with rtcp-mux", arguments: [
        (UInt8(200), PacketClass.rtcp), (201, .rtcp), (205, .rtcp), (206, .rtcp), (192, .rtcp), (223, .rtcp),
        (96, .rtp), (111, .rtp), (0x80 | 96, .rtp), (224, .rtp), (0, .rtp),
    ])
    func rtcpSplit(second: UInt8, expected: PacketClass) {
        #expect(PacketClass.classify(firstByte: 0x80, secondByte: second) == expected)
    }

    @Test("empty and one-byte datagrams")
    func shortInput() {
        #expect(PacketClass.classify([UInt8]()) == .unknown)
        #expect(PacketClass.classify([0x80]) == .unknown)
        #expect(PacketClass.classify([0x00]) == .stun)
        #expect(PacketClass.classify([0x16]) == .dtls)
    }

    @Test("ByteBuffer classification reads at the reader index without consuming")
    func byteBuffer() {
        var buffer = ByteBuffer(bytes: [0xFF, 0x80, 0xC8, 0, 0])
        buffer.moveReaderIndex(forwardBy: 1)
        #expect(PacketClass.classify(buffer) == .rtcp)
        #expect(buffer.readableBytes == 4)
        #expect(PacketClass.classify(ByteBuffer()) == .unknown)
        // A DTLS ClientHello record starts with content type 22 (handshake).
        #expect(PacketClass.classify(ByteBuffer(bytes: [22, 0xFE, 0xFD])) == .dtls)
    }
}
