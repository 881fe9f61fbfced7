/// RTP header extension elements, one-byte and two-byte forms (RFC 8285 §4).
///
/// One-byte form, profile 0xBEDE (§4.2): each element is a byte with a 4-bit ID and
/// a 4-bit length minus one, then 1–16 data bytes. ID 0 is a padding byte; ID 15
/// ends processing.
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |       0xBE    |    0xDE       |           length=3            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  ID   | L=0   |     data      |  ID   |  L=1  |   data...
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
///
/// Two-byte form, profile 0x100 plus 4 application bits (§4.3): an 8-bit ID, an
/// 8-bit length (0–255), then data. ID 0 is a padding byte.
public enum RTPExtensionForm: Hashable, Sendable {
    case oneByte
    case twoByte
    /// Some other profile: the block is opaque.
    case other

    public static let oneByteProfile: UInt16 = 0xBEDE
    public static let twoByteProfile: UInt16 = 0x1000

    public init(profile: UInt16) {
        if profile == Self.oneByteProfile {
            self = .oneByte
        } else if profile & 0xFFF0 == Self.twoByteProfile {
            self = .twoByte
        } else {
            self = .other
        }
    }
}

/// One extension element: its ID and where its data lies.
public struct RTPExtensionElementRange: Hashable, Sendable {
    public var id: UInt8
    /// Offsets of the element's data in the bytes that were scanned.
    public var range: Range<Int>
}

enum RTPExtensionScanner {
    /// Calls `body` for each element in `bytes[start ..< start+length]`; stops early
    /// when `body` returns false. Throws when an element runs past the block.
    static func scan(
        _ bytes: UnsafeRawBufferPointer, profile: UInt16, start: Int, length: Int,
        _ body: (RTPExtensionElementRange) -> Bool
    ) throws {
        let form = RTPExtensionForm(profile: profile)
        guard form != .other else { return }
        guard start >= 0, length >= 0, start <= bytes.count, length <= bytes.count - start else {
            throw RTPParseError.extensionOverrun(length: length, available: max(0, bytes.count - start))
        }
        let end = start + length
        var i = start
        while i < end {
            let first = bytes[i]
            if first == 0 { i += 1; continue }  // padding
            let id: UInt8
            let dataLength: Int
            if form == .oneByte {
                id = first >> 4
                if id == 15 { return }  // §4.2: stop processing
                dataLength = Int(first & 0x0F) + 1
                i += 1
            } else {
                guard i + 1 < end else { throw RTPParseError.malformedExtension("two-byte element header cut off") }
                id = first
                dataLength = Int(bytes[i + 1])
                i += 2
            }
            guard dataLength <= end - i else {
                throw RTPParseError.malformedExtension("element \(id) length \(dataLength) runs past the block")
            }
            if !body(RTPExtensionElementRange(id: id, range: i..<(i + dataLength))) { return }
            i += dataLength
        }
    }
}

extension RTPHeader {
    /// The data range of extension `id` within the parsed bytes, or nil. Allocation-free;
    /// use it to read, or to overwrite a same-length value in place (e.g. the
    /// transport-wide sequence number).
    public func extensionRange(id: UInt8, in bytes: UnsafeRawBufferPointer) throws -> Range<Int>? {
        guard let profile = extensionProfile else { return nil }
        var found: Range<Int>?
        try RTPExtensionScanner.scan(bytes, profile: profile, start: extensionOffset, length: extensionLength) {
            if $0.id == id { found = $0.range; return false }
            return true
        }
        return found
    }

    /// Calls `body` for every extension element (ID and data range).
    public func forEachExtension(in bytes: UnsafeRawBufferPointer, _ body: (RTPExtensionElementRange) -> Void) throws {
        guard let profile = extensionProfile else { return }
        try RTPExtensionScanner.scan(bytes, profile: profile, start: extensionOffset, length: extensionLength) {
            body($0); return true
        }
    }
}
