import MeetSRTP
import NIOCore

/// Hex helpers for SRTP fixtures (whitespace ignored).
func hexBytes(_ text: String) -> [UInt8] {
    let digits = text.filter { !$0.isWhitespace }
    var bytes: [UInt8] = []
    var index = digits.startIndex
    while index < digits.endIndex {
        let next = digits.index(index, offsetBy: 2)
        bytes.append(UInt8(digits[index..<next], radix: 16)!)
        index = next
    }
    return bytes
}

/// Runs a pointer-based SRTP operation on a copy of `packet` in a buffer with
/// `trailerRoom` spare bytes; returns the transformed bytes.
func srtpTransform(
    _ packet: [UInt8],
    _ operation: (UnsafeMutableRawBufferPointer, Int) throws(SRTPError) -> Int
) throws(SRTPError) -> [UInt8] {
    var storage = packet + [UInt8](repeating: 0, count: SRTPContext.trailerRoom)
    let result = storage.withUnsafeMutableBytes { bytes in
        Result { () throws(SRTPError) -> Int in try operation(bytes, packet.count) }
    }
    return Array(storage.prefix(try result.get()))
}

/// An RTP packet: V=2, PT 96, the given sequence number, SSRC, payload.
func rtpPacket(sequence: UInt16, ssrc: UInt32 = 0x1234_5678, payload: [UInt8] = Array(repeating: 0x42, count: 100)) -> [UInt8] {
    var bytes: [UInt8] = [0x80, 96, UInt8(sequence >> 8), UInt8(sequence & 0xFF), 0, 0, 0x10, 0]
    bytes += withUnsafeBytes(of: ssrc.bigEndian, Array.init)
    return bytes + payload
}

/// A minimal RTCP receiver report with no report blocks, plus padding data.
func rtcpPacket(ssrc: UInt32 = 0x1234_5678) -> [UInt8] {
    [0x80, 201, 0, 1] + withUnsafeBytes(of: ssrc.bigEndian, Array.init)
}

extension SRTPProfile {
    var testKey: [UInt8] { (0..<16).map { UInt8($0 &* 7 &+ 1) } }
    var testSalt: [UInt8] { (0..<masterSaltLength).map { UInt8(0xA0 + $0) } }

    func pair() throws -> (sender: SRTPContext, receiver: SRTPContext) {
        (try SRTPContext(profile: self, masterKey: testKey, masterSalt: testSalt, direction: .outbound),
         try SRTPContext(profile: self, masterKey: testKey, masterSalt: testSalt, direction: .inbound))
    }
}
