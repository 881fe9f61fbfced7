import NIOCore
import Testing
@testable import MeetRTCP
@testable import MeetRTP
@testable import MeetSTUN

/// The ByteBuffer and SocketAddress entry points the UDP transport uses.
@Suite("NIO conveniences")
struct NIOConvenienceTests {
    @Test("STUNTransportAddress ↔ SocketAddress keeps byte order, IPv4 and IPv6")
    func socketAddressConversion() throws {
        let v4 = try SocketAddress(ipAddress: "192.0.2.1", port: 32853)
        let a = try #require(STUNTransportAddress(v4))
        #expect(a == STUNTransportAddress(address: .v4(0xC000_0201), port: 32853))
        #expect(try a.socketAddress() == v4)
        let v6 = try SocketAddress(ipAddress: "2001:db8:1234:5678:11:2233:4455:6677", port: 443)
        let b = try #require(STUNTransportAddress(v6))
        #expect(b.description == "[2001:db8:1234:5678:11:2233:4455:6677]:443")
        #expect(try b.socketAddress() == v6)
    }

    @Test("parse from ByteBuffer honours the reader index; RTP rewrite in place")
    func byteBuffers() throws {
        let request = STUNMessage.bindingRequest(username: "a:b", priority: 1, role: .controlled(tieBreaker: 2))
        var buffer = ByteBuffer(bytes: [0xFF, 0xFF])
        buffer.moveReaderIndex(forwardBy: 2)
        buffer.writeBytes(request.encode(fingerprint: true))
        #expect(STUNMessage.isProbablySTUN(buffer))
        #expect(try STUNMessage(parsing: buffer) == request)

        var rtp = ByteBuffer(bytes: [0x00] + (try RTPPacket(payloadType: 96, sequenceNumber: 1, timestamp: 2, ssrc: 3, payload: [7]).encode()))
        rtp.moveReaderIndex(forwardBy: 1)
        #expect(RTPHeader.rewrite(&rtp, ssrc: 99, sequenceNumber: 5))
        let header = try RTPHeader(parsing: rtp)
        #expect(header.ssrc == 99 && header.sequenceNumber == 5 && header.payloadRange == 12..<13)

        let pli = RTCPPacket.pictureLossIndication(RTCPPictureLossIndication(senderSSRC: 1, mediaSSRC: 2))
        var rtcp = ByteBuffer()
        try RTCPPacket.writeCompound([pli, pli], into: &rtcp)
        #expect(try RTCPPacket.parseCompound(rtcp) == [pli, pli])
    }
}
