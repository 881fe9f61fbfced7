import Testing
@testable import MeetRTP

/// RTX (RFC 4588 §4) and padding-only packets (RFC 3550 §5.1), written in place.
@Suite("RTX and padding packets (RFC 4588, RFC 3550 §5.1)")
struct RTXPacketTests {
    @Test("§4: the RTX packet keeps header and extensions, puts the OSN first and moves the payload behind it")
    func wrapKeepsExtensionsAndPayload() throws {
        // RTPPacketTests.opus (one-byte extensions, transport-cc id 3), marker set, 4 padding bytes.
        var bytes = RTPPacketTests.opus
        bytes[0] |= 0x20
        bytes[1] |= 0x80
        bytes += [0, 0, 0, 4]
        let original = try RTPHeader(parsing: bytes)
        #expect(original.paddingLength == 4)
        var buffer = bytes + [UInt8](repeating: 0xEE, count: 8)
        let length = try #require(buffer.withUnsafeMutableBytes {
            RTXPacket.wrap($0, length: bytes.count, ssrc: 0xCAFE_F00D, sequenceNumber: 7, payloadType: 97)
        })
        // Padding dropped, 2 bytes added.
        #expect(length == bytes.count - 4 + 2)
        let rtx = Array(buffer[0..<length])
        let header = try RTPHeader(parsing: rtx)
        #expect(header.ssrc == 0xCAFE_F00D)
        #expect(header.sequenceNumber == 7)
        #expect(header.payloadType == 97)
        #expect(header.marker)
        #expect(header.paddingLength == 0)
        #expect(header.timestamp == original.timestamp)
        #expect(Array(rtx[0..<original.payloadOffset].dropFirst(12)) == Array(bytes[12..<original.payloadOffset]))
        let repaired = try #require(rtx.withUnsafeBytes { RTXPacket.original(of: header, in: $0) })
        #expect(repaired.sequenceNumber == 0x1234)
        #expect(Array(rtx[repaired.payload]) == Array(bytes[original.payloadRange]))
        #expect(try RTPPacket(parsing: rtx).extensionValue(id: 3) == [0x00, 0x05])
    }

    @Test("no room for the 2 bytes, or no RTP: nothing changes")
    func wrapRefusesWithoutRoom() {
        var buffer = RTPPacketTests.opus
        let before = buffer
        let length = buffer.withUnsafeMutableBytes {
            RTXPacket.wrap($0, length: before.count, ssrc: 1, sequenceNumber: 1, payloadType: 97)
        }
        #expect(length == nil)
        #expect(buffer == before)
        var junk: [UInt8] = [0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]
        #expect(junk.withUnsafeMutableBytes { RTXPacket.wrap($0, length: 16, ssrc: 1, sequenceNumber: 1, payloadType: 97) } == nil)
    }

    @Test("§4: a payload shorter than the OSN is no retransmission")
    func originalNeedsTheOSN() throws {
        let bytes: [UInt8] = [0x80, 97, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9, 0x12]
        let header = try RTPHeader(parsing: bytes)
        #expect(bytes.withUnsafeBytes { RTXPacket.original(of: header, in: $0) } == nil)
    }

    @Test("§5.1: a padding-only packet with the transport-wide element parses, its padding counted, no payload")
    func paddingPacket() throws {
        var buffer = [UInt8](repeating: 0xAA, count: 300)
        let length = try #require(buffer.withUnsafeMutableBytes {
            RTXPacket.padding(
                into: $0, size: 250, ssrc: 0x0102_0304, sequenceNumber: 0xFFFF, timestamp: 90_000,
                payloadType: 97, transportWideID: 5)
        })
        #expect(length == 250)
        let packet = Array(buffer[0..<length])
        let header = try RTPHeader(parsing: packet)
        #expect(header.payloadLength == 0)
        #expect(header.paddingLength == 230)
        #expect(header.ssrc == 0x0102_0304 && header.sequenceNumber == 0xFFFF && header.timestamp == 90_000)
        #expect(header.payloadType == 97)
        #expect(try RTPPacket(parsing: packet).extensionValue(id: 5) == [0, 0])
        // Without an id: no extension; the size is clamped to 255 padding bytes.
        let plain = try #require(buffer.withUnsafeMutableBytes {
            RTXPacket.padding(into: $0, size: 1000, ssrc: 1, sequenceNumber: 1, timestamp: 0, payloadType: 96, transportWideID: 0)
        })
        #expect(plain == 12 + 255)
        #expect(try RTPHeader(parsing: Array(buffer[0..<plain])).extensionProfile == nil)
        // Too small a buffer.
        var tiny = [UInt8](repeating: 0, count: 16)
        #expect(tiny.withUnsafeMutableBytes {
            RTXPacket.padding(into: $0, size: 100, ssrc: 1, sequenceNumber: 1, timestamp: 0, payloadType: 96, transportWideID: 3)
        } == nil)
    }
}
