import MeetBytes

/// An RTP packet as an owned value (RFC 3550 §5.1): for building packets, tests,
/// and anywhere a copy is fine. The forwarding path uses `RTPHeader` instead,
/// which reads the same fields without copying.
///
/// The header extension is kept as its raw block (`extensionData`) so parsing
/// and re-encoding is byte-exact; `extensions`, `extensionValue(id:)` and
/// `setExtension(id:value:)` give the RFC 8285 element view of it.
public struct RTPPacket: Hashable, Sendable {
    public var marker: Bool
    public var payloadType: UInt8
    public var sequenceNumber: UInt16
    public var timestamp: UInt32
    public var ssrc: UInt32
    /// Up to 15 contributing sources.
    public var csrcs: [UInt32]
    /// The extension profile (0xBEDE one-byte, 0x100x two-byte), nil without an extension.
    public var extensionProfile: UInt16?
    /// The extension block after its 4-byte header; its count must be a multiple of 4.
    public var extensionData: [UInt8]
    public var payload: [UInt8]
    /// Padding bytes to add at the end including the count byte (0 for none, else 1–255).
    public var paddingLength: Int

    public init(
        marker: Bool = false, payloadType: UInt8, sequenceNumber: UInt16, timestamp: UInt32, ssrc: UInt32,
        csrcs: [UInt32] = [], extensionProfile: UInt16? = nil, extensionData: [UInt8] = [],
        payload: [UInt8] = [], paddingLength: Int = 0
    ) {
        self.marker = marker
        self.payloadType = payloadType
        self.sequenceNumber = sequenceNumber
        self.timestamp = timestamp
        self.ssrc = ssrc
        self.csrcs = csrcs
        self.extensionProfile = extensionProfile
        self.extensionData = extensionData
        self.payload = payload
        self.paddingLength = paddingLength
    }

    /// Parses a whole packet (one datagram, after SRTP unprotect).
    public init(parsing bytes: UnsafeRawBufferPointer) throws {
        let header = try RTPHeader(parsing: bytes)
        marker = header.marker
        payloadType = header.payloadType
        sequenceNumber = header.sequenceNumber
        timestamp = header.timestamp
        ssrc = header.ssrc
        csrcs = (0..<header.csrcCount).compactMap { header.csrc(at: $0, in: bytes) }
        extensionProfile = header.extensionProfile
        extensionData = Array(bytes[header.extensionOffset..<(header.extensionOffset + header.extensionLength)])
        payload = Array(bytes[header.payloadRange])
        paddingLength = header.paddingLength
    }

    public init(parsing bytes: [UInt8]) throws {
        self = try bytes.withUnsafeBytes { try RTPPacket(parsing: $0) }
    }

    /// Serializes the packet. Throws when a field does not fit: more than 15
    /// CSRCs, a payload type above 127, an extension block not a multiple of 4
    /// bytes or over 262140 bytes, or padding outside 0–255.
    public func encode() throws -> [UInt8] {
        var out = [UInt8]()
        try encode(into: &out)
        return out
    }

    /// Appends the serialized packet to `out`.
    public func encode(into out: inout [UInt8]) throws {
        guard csrcs.count <= 15 else { throw RTPParseError.invalidValue("\(csrcs.count) CSRCs (max 15)") }
        guard payloadType <= 127 else { throw RTPParseError.invalidValue("payload type \(payloadType)") }
        guard extensionData.count % 4 == 0, extensionData.count / 4 <= Int(UInt16.max) else {
            throw RTPParseError.invalidValue("extension block of \(extensionData.count) bytes")
        }
        guard (0...255).contains(paddingLength) else { throw RTPParseError.invalidValue("padding \(paddingLength)") }
        var flags = RTPHeader.version << 6 | UInt8(csrcs.count)
        if paddingLength > 0 { flags |= 0x20 }
        if extensionProfile != nil { flags |= 0x10 }
        out.reserveCapacity(out.count + 12 + 4 * csrcs.count + 4 + extensionData.count + payload.count + paddingLength)
        out.append(flags)
        out.append((marker ? 0x80 : 0) | payloadType)
        out.appendBigEndian(sequenceNumber)
        out.appendBigEndian(timestamp)
        out.appendBigEndian(ssrc)
        for csrc in csrcs { out.appendBigEndian(csrc) }
        if let extensionProfile {
            out.appendBigEndian(extensionProfile)
            out.appendBigEndian(UInt16(extensionData.count / 4))
            out.append(contentsOf: extensionData)
        }
        out.append(contentsOf: payload)
        if paddingLength > 0 {
            out.append(contentsOf: repeatElement(0, count: paddingLength - 1))
            out.append(UInt8(paddingLength))
        }
    }
}
