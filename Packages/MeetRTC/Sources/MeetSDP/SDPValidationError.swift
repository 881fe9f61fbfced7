/// Why a description that parses was still refused by `SDPValidator`: each case
/// names the rule (RFC 8866, RFC 8829, RFC 8843, the codecs' RFCs, or one of
/// `SDPValidator.Limits`) and the value at fault, so the signaling error
/// (`bad_sdp`) tells the client what to fix.
public enum SDPValidationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// More media sections than `Limits.maxMediaSections`.
    case tooManyMediaSections(count: Int, limit: Int)
    /// An attribute line longer than its limit (`fmtp` has its own).
    case attributeTooLong(name: String, length: Int, limit: Int)
    /// A known attribute whose value does not follow its grammar.
    case malformedAttribute(name: String, value: String)
    /// A mid that is empty, too long, or not an RFC 8866 token (RFC 5888 §4).
    case invalidMid(String)
    /// Two media sections with the same mid (RFC 5888 §4, RFC 8843 §9.1).
    case duplicateMid(String)
    /// A BUNDLE group naming a mid twice, a mid no section has, or a mid in
    /// two groups (RFC 8843 §7, §9.1).
    case invalidBundle(String)
    /// A payload type that is not an integer in 0…127, or in the 64…95 range
    /// RTCP packet types occupy under rtcp-mux (RFC 3551 §6, RFC 5761 §4).
    case invalidPayloadType(section: String, value: String)
    /// One payload type twice in an m= line, or with two rtpmap/fmtp lines.
    case duplicatePayloadType(section: String, payloadType: UInt8)
    /// A clock rate outside `Limits.clockRates`, or not the one the codec's
    /// RFC fixes (opus 48000, RFC 7587 §7; video 90000, RFC 7741 §6.1).
    case invalidClockRate(payloadType: UInt8, codec: String, clockRate: UInt32)
    /// A channel count of 0 or above `Limits.maxChannels` (opus: exactly 2).
    case invalidChannels(payloadType: UInt8, codec: String, channels: UInt32)
    /// An fmtp line longer than `Limits.maxFormatParametersLength`.
    case formatParametersTooLong(payloadType: UInt8, length: Int, limit: Int)
    /// RTX (RFC 4588 §8.6) without `apt`, with `apt` naming itself, another
    /// RTX, or a payload type the section does not list.
    case invalidRTX(payloadType: UInt8, reason: String)
    /// SSRC 0 (see `SDPValidator`), or an SSRC in two sections (RFC 8843 §9.2).
    case invalidSSRC(String)
    /// One extmap ID naming two URIs across the BUNDLE group (RFC 8285 §5,
    /// RFC 8843 §9.2).
    case conflictingExtMap(id: UInt16, String)
    /// ice-ufrag or ice-pwd of the wrong length or characters (RFC 8839 §5.4).
    case invalidICECredentials(String)
    /// More of something than a limit allows (SSRCs, rids...).
    case tooMany(what: String, count: Int, limit: Int)
    /// An `a=rid` or `a=simulcast` that breaks RFC 8851 or RFC 8853: a bad
    /// rid-id, a rid declared twice, a simulcast stream without its `a=rid`.
    case invalidSimulcast(section: String, reason: String)

    public var description: String {
        switch self {
        case .tooManyMediaSections(let count, let limit): "\(count) media sections (at most \(limit))"
        case .attributeTooLong(let name, let length, let limit): "a=\(name) line of \(length) bytes (at most \(limit))"
        case .malformedAttribute(let name, let value): "malformed a=\(name): \"\(value.prefix(80))\""
        case .invalidMid(let mid): "invalid mid \"\(mid.prefix(40))\"\(mid.count > 40 ? "…" : "") (\(mid.count) characters; 1 to \(SDPValidator.Limits.default.maxMidLength) token characters)"
        case .duplicateMid(let mid): "duplicate mid \"\(mid)\""
        case .invalidBundle(let reason): "invalid BUNDLE group: \(reason)"
        case .invalidPayloadType(let section, let value): "m=\(section): invalid payload type \"\(value.prefix(20))\" (0–63 or 96–127)"
        case .duplicatePayloadType(let section, let pt): "m=\(section): payload type \(pt) given twice"
        case .invalidClockRate(let pt, let codec, let rate): "payload type \(pt) (\(codec)): invalid clock rate \(rate)"
        case .invalidChannels(let pt, let codec, let channels): "payload type \(pt) (\(codec)): invalid channel count \(channels)"
        case .formatParametersTooLong(let pt, let length, let limit): "a=fmtp:\(pt) of \(length) bytes (at most \(limit))"
        case .invalidRTX(let pt, let reason): "RTX payload type \(pt): \(reason)"
        case .invalidSSRC(let reason): "invalid SSRC: \(reason)"
        case .conflictingExtMap(let id, let reason): "extmap ID \(id): \(reason)"
        case .invalidICECredentials(let reason): "invalid ICE credentials: \(reason)"
        case .tooMany(let what, let count, let limit): "\(count) \(what) (at most \(limit))"
        case .invalidSimulcast(let section, let reason): "simulcast in section \(section.prefix(40)): \(reason)"
        }
    }
}
