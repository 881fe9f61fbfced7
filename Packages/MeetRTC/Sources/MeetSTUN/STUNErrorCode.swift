/// The value of ERROR-CODE (RFC 8489 §14.8).
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           Reserved, should be 0         |Class|     Number    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |      Reason Phrase (variable)                                ..
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
public struct STUNErrorCode: Hashable, Sendable {
    /// 300 through 699.
    public var code: Int
    public var reason: String

    public init(code: Int, reason: String) {
        self.code = code
        self.reason = reason
    }

    public init(attributeValue v: [UInt8]) throws {
        guard v.count >= 4 else {
            throw STUNParseError.malformedAttribute(type: STUNAttributeType.errorCode.rawValue, reason: "shorter than 4 bytes")
        }
        let errorClass = Int(v[2] & 0x07)
        let number = Int(v[3])
        guard (3...6).contains(errorClass), number < 100 else {
            throw STUNParseError.malformedAttribute(
                type: STUNAttributeType.errorCode.rawValue, reason: "code \(errorClass)\(number) out of range")
        }
        self.init(code: errorClass * 100 + number, reason: String(decoding: v[4...], as: UTF8.self))
    }

    public var attributeValue: [UInt8] {
        let clamped = min(max(code, 300), 699)
        var out: [UInt8] = [0, 0, UInt8(clamped / 100), UInt8(clamped % 100)]
        // §14.8: the reason phrase is at most 128 characters / 763 bytes.
        out.append(contentsOf: reason.utf8.prefix(763))
        return out
    }

    /// 400: malformed request (RFC 8489 §15).
    public static let badRequest = STUNErrorCode(code: 400, reason: "Bad Request")
    /// 401: missing or wrong MESSAGE-INTEGRITY / USERNAME.
    public static let unauthorized = STUNErrorCode(code: 401, reason: "Unauthorized")
    /// 420: a comprehension-required attribute was not understood.
    public static let unknownAttribute = STUNErrorCode(code: 420, reason: "Unknown Attribute")
    /// 487: ICE role conflict (RFC 8445 §7.3.1.1).
    public static let roleConflict = STUNErrorCode(code: 487, reason: "Role Conflict")
    public static let serverError = STUNErrorCode(code: 500, reason: "Server Error")
}
