import MeetBytes

/// RR: Receiver Report (RFC 3550 §6.4.2), PT=201.
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|    RC   |   PT=RR=201   |             length            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                     SSRC of packet sender                     |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |                  report blocks (RC × 24 bytes)                |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |                  profile-specific extensions                  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
public struct RTCPReceiverReport: Hashable, Sendable {
    public var ssrc: UInt32
    /// At most 31.
    public var reports: [RTCPReportBlock]
    public var profileExtensions: [UInt8]

    public init(ssrc: UInt32, reports: [RTCPReportBlock] = [], profileExtensions: [UInt8] = []) {
        self.ssrc = ssrc
        self.reports = reports
        self.profileExtensions = profileExtensions
    }

    public init(parsing bytes: UnsafeRawBufferPointer) throws {
        var (header, r) = try RTCPHeader.body(of: bytes, type: RTCPPacketType.receiverReport)
        ssrc = try r.u32()
        reports = try RTCPReportBlock.readBlocks(header.count, from: &r)
        profileExtensions = r.rest()
    }

    public func write(into out: inout [UInt8]) throws {
        guard reports.count <= 31 else { throw RTCPParseError.invalidValue("\(reports.count) report blocks (max 31)") }
        RTCPHeader.write(count: UInt8(reports.count), packetType: RTCPPacketType.receiverReport, into: &out) { out in
            out.appendBigEndian(ssrc)
            for block in reports { block.write(into: &out) }
            out.append(contentsOf: profileExtensions)
        }
    }
}
