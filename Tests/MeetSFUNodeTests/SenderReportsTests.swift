import NIOCore
import Testing

@testable import MeetSFUNode

@Suite("SenderReports: RFC 3550 §6.4.1 SRs found in a compound and re-sent as our SSRC")
struct SenderReportsTests {
    /// SR with one report block (RC=1, length 12), then an SDES chunk header.
    static func compound() -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: 80)
        buffer.writeBytes([0x81, 200, 0, 12])
        buffer.writeInteger(UInt32(0xAAAA_0001))  // sender SSRC
        buffer.writeBytes(Array(1...20))  // NTP (8), RTP ts (4), packets (4), octets (4)
        buffer.writeBytes([UInt8](repeating: 0xEE, count: 24))  // one report block
        buffer.writeBytes([0x81, 202, 0, 1, 0xAA, 0xAA, 0, 1])  // SDES (length 1, empty chunk)
        return buffer
    }

    @Test("finds the SR and its sender SSRC, skipping other packets")
    func finds() {
        let found = SenderReports.find(in: Self.compound())
        #expect(found.count == 1)
        #expect(found.first?.ssrc == 0xAAAA_0001)
        #expect(found.first?.offset == 0)
    }

    @Test("the rewritten SR has our SSRC, the sender info, and no report blocks")
    func rewrites() throws {
        let compound = Self.compound()
        let report = try #require(SenderReports.rewritten(compound, at: 0, as: 0xBBBB_0002))
        let bytes = Array(report.readableBytesView)
        #expect(bytes.count == 28)
        #expect(bytes[0] == 0x80 && bytes[1] == 200 && bytes[2] == 0 && bytes[3] == 6)
        #expect(Array(bytes[4..<8]) == [0xBB, 0xBB, 0, 2])
        #expect(Array(bytes[8..<28]) == Array(1...20))
        #expect(compound.getInteger(at: 4, as: UInt32.self) == 0xAAAA_0001)  // the original is untouched
    }

    @Test("truncated or non-RTCP input yields nothing and does not trap")
    func badInput() {
        #expect(SenderReports.find(in: ByteBuffer(bytes: [0x81, 200, 0, 12, 1, 2])).isEmpty)
        #expect(SenderReports.find(in: ByteBuffer(bytes: [0x01, 200, 0, 0])).isEmpty)
        #expect(SenderReports.find(in: ByteBuffer(bytes: [])).isEmpty)
        #expect(SenderReports.rewritten(ByteBuffer(bytes: [0x80, 200, 0, 6]), at: 0, as: 1) == nil)
    }
}
