import NIOCore
import Testing

@testable import MeetSFUNode

@Suite("ExtensionIDMap: RFC 8285 one-byte extension ids renumbered in place")
struct ExtensionIDMapTests {
    static let mid = "urn:ietf:params:rtp-hdrext:sdes:mid"
    static let abs = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
    static let level = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"

    /// RTP header with X set, then a 0xBEDE block: mid (id 4, "1"), audio level (id 1, 1 byte), padding.
    static func packet(midID: UInt8 = 4, levelID: UInt8 = 1) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: 64)
        buffer.writeBytes([0x90, 111, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9])
        buffer.writeBytes([0xBE, 0xDE, 0, 2])
        buffer.writeBytes([midID << 4 | 0, UInt8(ascii: "1"), levelID << 4 | 0, 0x7F, 0, 0, 0, 0])
        buffer.writeBytes([1, 2, 3])
        return buffer
    }

    @Test("ids follow the URIs; ids the subscriber lacks become the unused id; payload untouched")
    func renumbers() {
        let map = ExtensionIDMap(publisher: [Self.mid: 4, Self.level: 1], subscriber: [Self.mid: 1, Self.abs: 2])
        var packet = Self.packet()
        map.rewrite(&packet, at: packet.readerIndex)
        let bytes = Array(packet.readableBytesView)
        #expect(bytes[16] == 1 << 4)  // mid now id 1
        #expect(bytes[17] == UInt8(ascii: "1"))
        #expect(bytes[18] == ExtensionIDMap.unusedID << 4)  // audio level not offered
        #expect(bytes[19] == 0x7F)
        #expect(bytes.suffix(3) == [1, 2, 3])
    }

    @Test("same ids on both sides: identity, nothing to do")
    func identity() {
        #expect(ExtensionIDMap(publisher: [Self.mid: 1, Self.abs: 2], subscriber: [Self.mid: 1, Self.abs: 2]).isIdentity)
        #expect(!ExtensionIDMap(publisher: [Self.mid: 4], subscriber: [Self.mid: 1]).isIdentity)
    }

    @Test("packets without extensions, truncated or two-byte blocks are left alone")
    func leavesOthersAlone() {
        let map = ExtensionIDMap(publisher: [Self.mid: 4], subscriber: [Self.mid: 1])
        var plain = ByteBuffer(bytes: [0x80, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9, 5])
        let before = plain
        map.rewrite(&plain, at: 0)
        #expect(plain == before)
        var truncated = ByteBuffer(bytes: [0x90, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9, 0xBE, 0xDE, 0, 9, 0x40])
        map.rewrite(&truncated, at: 0)
        #expect(truncated.readableBytes == 17)
        var twoByte = ByteBuffer(bytes: [0x90, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9, 0x10, 0x00, 0, 1, 4, 1, 0x31, 0])
        let twoBefore = twoByte
        map.rewrite(&twoByte, at: 0)
        #expect(twoByte == twoBefore)
    }

    @Test("extmap ids per mid are read from SDP text")
    func readsSDP() {
        let sdp = """
            v=0\r
            m=audio 9 UDP/TLS/RTP/SAVPF 111\r
            a=mid:0\r
            a=extmap:1 \(Self.level)\r
            a=extmap:4 \(Self.mid)\r
            m=video 9 UDP/TLS/RTP/SAVPF 96\r
            a=mid:1\r
            a=extmap:2/sendonly \(Self.abs)\r
            a=extmap:bad\r
            """
        let extensions = ExtensionIDMap.extensions(inSDP: sdp)
        #expect(extensions["0"] == [Self.level: 1, Self.mid: 4])
        #expect(extensions["1"] == [Self.abs: 2])
    }
}
