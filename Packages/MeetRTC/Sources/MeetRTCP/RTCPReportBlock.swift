import MeetBytes

/// A reception report block, carried by SR and RR (RFC 3550 §6.4.1).
///
/// ```
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |                 SSRC_1 (SSRC of first source)                 |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | fraction lost |       cumulative number of packets lost       |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           extended highest sequence number received           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                      interarrival jitter                      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         last SR (LSR)                         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                   delay since last SR (DLSR)                  |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// ```
public struct RTCPReportBlock: Hashable, Sendable {
    public var ssrc: UInt32
    /// Fraction lost since the last report, in 1/256 units.
    public var fractionLost: UInt8
    /// Cumulative packets lost: a signed 24-bit value (duplicates can make it negative).
    public var cumulativeLost: Int32
    public var extendedHighestSequence: UInt32
    public var jitter: UInt32
    /// Middle 32 bits of the NTP timestamp of the last SR received.
    public var lastSenderReport: UInt32
    /// Delay since that SR, in 1/65536 seconds.
    public var delaySinceLastSenderReport: UInt32

    public static let size = 24

    public init(ssrc: UInt32, fractionLost: UInt8 = 0, cumulativeLost: Int32 = 0, extendedHighestSequence: UInt32 = 0,
                jitter: UInt32 = 0, lastSenderReport: UInt32 = 0, delaySinceLastSenderReport: UInt32 = 0) {
        self.ssrc = ssrc
        self.fractionLost = fractionLost
        self.cumulativeLost = cumulativeLost
        self.extendedHighestSequence = extendedHighestSequence
        self.jitter = jitter
        self.lastSenderReport = lastSenderReport
        self.delaySinceLastSenderReport = delaySinceLastSenderReport
    }

    init(reading r: inout ByteReader) throws {
        ssrc = try r.u32()
        fractionLost = try r.u8()
        let lost = try r.u24()
        // Sign-extend the 24-bit two's complement value.
        cumulativeLost = Int32(bitPattern: lost & 0x0080_0000 != 0 ? lost | 0xFF00_0000 : lost)
        extendedHighestSequence = try r.u32()
        jitter = try r.u32()
        lastSenderReport = try r.u32()
        delaySinceLastSenderReport = try r.u32()
    }

    func write(into out: inout [UInt8]) {
        out.appendBigEndian(ssrc)
        out.append(fractionLost)
        // Clamp to the signed 24-bit range before truncating.
        let clamped = min(max(cumulativeLost, -0x80_0000), 0x7F_FFFF)
        out.appendU24(UInt32(bitPattern: clamped) & 0x00FF_FFFF)
        out.appendBigEndian(extendedHighestSequence)
        out.appendBigEndian(jitter)
        out.appendBigEndian(lastSenderReport)
        out.appendBigEndian(delaySinceLastSenderReport)
    }

    static func readBlocks(_ count: UInt8, from r: inout ByteReader) throws -> [RTCPReportBlock] {
        try r.need(Int(count) * size)
        return try (0..<Int(count)).map { _ in try RTCPReportBlock(reading: &r) }
    }
}
