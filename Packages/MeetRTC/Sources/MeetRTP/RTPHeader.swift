import MeetBytes

/// The fixed RTP header plus the offsets of everything after it, read without
/// copying or allocating (RFC 3550 §5.1). The forwarding path parses with this,
/// then rewrites fields in place (`RTPHeader+Rewrite.swift`).
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|X|  CC   |M|     PT      |       sequence number         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                           timestamp                           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           synchronization source (SSRC) identifier            |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |            contributing source (CSRC) identifiers             |
/// |                             ....                              |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |      defined by profile       |           length              |  (if X)
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                        header extension                       |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
///
/// All offsets are relative to the start of the bytes that were parsed.
public struct RTPHeader: Hashable, Sendable {
    public var marker: Bool
    public var payloadType: UInt8
    public var sequenceNumber: UInt16
    public var timestamp: UInt32
    public var ssrc: UInt32
    /// Number of CSRC identifiers (0–15); read them with `csrc(at:in:)`.
    public var csrcCount: Int
    /// The 16-bit profile field of the header extension, nil without the X bit.
    /// 0xBEDE is the one-byte form, 0x100x the two-byte form (RFC 8285).
    public var extensionProfile: UInt16?
    /// Where the extension elements start (after the 4-byte extension header).
    public var extensionOffset: Int
    /// Bytes of extension elements (the length field × 4).
    public var extensionLength: Int
    /// Where the payload starts: the header length.
    public var payloadOffset: Int
    /// Payload bytes, excluding padding.
    public var payloadLength: Int
    /// Padding bytes at the end, including the count byte; 0 without the P bit.
    public var paddingLength: Int

    public static let version: UInt8 = 2
    public static let fixedHeaderLength = 12

    enum Offset {
        static let flags = 0
        static let markerAndPayloadType = 1
        static let sequenceNumber = 2
        static let timestamp = 4
        static let ssrc = 8
        static let csrcs = 12
    }

    /// Parses the header of the packet that fills `bytes`. Allocation-free.
    public init(parsing bytes: UnsafeRawBufferPointer) throws {
        let count = bytes.count
        guard count >= Self.fixedHeaderLength else {
            throw RTPParseError.truncated(needed: Self.fixedHeaderLength, available: count)
        }
        let flags = bytes[Offset.flags]
        guard flags >> 6 == Self.version else { throw RTPParseError.badVersion(flags >> 6) }
        let hasPadding = flags & 0x20 != 0
        let hasExtension = flags & 0x10 != 0
        csrcCount = Int(flags & 0x0F)
        marker = bytes[Offset.markerAndPayloadType] & 0x80 != 0
        payloadType = bytes[Offset.markerAndPayloadType] & 0x7F
        sequenceNumber = bytes.u16(at: Offset.sequenceNumber)
        timestamp = bytes.u32(at: Offset.timestamp)
        ssrc = bytes.u32(at: Offset.ssrc)

        var offset = Offset.csrcs + 4 * csrcCount
        guard count >= offset else { throw RTPParseError.truncated(needed: offset, available: count) }
        if hasExtension {
            guard count >= offset + 4 else { throw RTPParseError.truncated(needed: offset + 4, available: count) }
            extensionProfile = bytes.u16(at: offset)
            extensionLength = 4 * Int(bytes.u16(at: offset + 2))
            extensionOffset = offset + 4
            guard extensionLength <= count - extensionOffset else {
                throw RTPParseError.extensionOverrun(length: extensionLength, available: count - extensionOffset)
            }
            offset = extensionOffset + extensionLength
        } else {
            extensionProfile = nil
            extensionOffset = offset
            extensionLength = 0
        }
        payloadOffset = offset
        if hasPadding {
            let available = count - offset
            let padding = available > 0 ? Int(bytes[count - 1]) : 0
            guard padding >= 1, padding <= available else {
                throw RTPParseError.badPadding(count: padding, available: available)
            }
            paddingLength = padding
        } else {
            paddingLength = 0
        }
        payloadLength = count - offset - paddingLength
    }

    /// Parses the header at the start of `bytes`.
    public init(parsing bytes: [UInt8]) throws {
        self = try bytes.withUnsafeBytes { try RTPHeader(parsing: $0) }
    }

    /// The i-th CSRC (0 ≤ i < `csrcCount`), read from the same bytes that were parsed.
    public func csrc(at index: Int, in bytes: UnsafeRawBufferPointer) -> UInt32? {
        let offset = Offset.csrcs + 4 * index
        guard index >= 0, index < csrcCount, offset + 4 <= bytes.count else { return nil }
        return bytes.u32(at: offset)
    }

    /// The byte range of the payload (excluding padding) within the parsed bytes.
    public var payloadRange: Range<Int> { payloadOffset..<(payloadOffset + payloadLength) }

    /// True for PT values 64–95 with the marker set, i.e. 192–223 in the second byte:
    /// the range RFC 5761 §4 reserves so RTCP can share a port with RTP.
    public static func looksLikeRTCP(secondByte: UInt8) -> Bool { (192...223).contains(secondByte) }
}
