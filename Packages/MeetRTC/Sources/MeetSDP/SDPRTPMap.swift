/// `a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]`
/// (RFC 8866 §6.6), e.g. `a=rtpmap:111 opus/48000/2`.
public struct SDPRTPMap: Hashable, Sendable, SDPAttributeValue {
    public static let attributeName = "rtpmap"

    public var payloadType: UInt8
    /// As written ("opus", "VP8", "H264", "rtx", "red", "ulpfec"); compare case-insensitively.
    public var encodingName: String
    public var clockRate: UInt32
    /// Channels for audio; nil when absent.
    public var encodingParameters: UInt32?

    public init(payloadType: UInt8, encodingName: String, clockRate: UInt32, encodingParameters: UInt32? = nil) {
        self.payloadType = payloadType
        self.encodingName = encodingName
        self.clockRate = clockRate
        self.encodingParameters = encodingParameters
    }

    public init(attributeValue: String) throws {
        let f = fields(attributeValue)
        let bad = SDPParseError.malformedValue(kind: "rtpmap", value: attributeValue)
        guard f.count == 2, let pt = UInt8(f[0]), pt <= 127 else { throw bad }
        let parts = f[1].split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3, !parts[0].isEmpty, let clock = UInt32(parts[1]) else { throw bad }
        var params: UInt32?
        if parts.count == 3 {
            guard let p = UInt32(parts[2]) else { throw bad }
            params = p
        }
        self.init(payloadType: pt, encodingName: String(parts[0]), clockRate: clock, encodingParameters: params)
    }

    public var attributeValue: String {
        "\(payloadType) \(encodingName)/\(clockRate)" + (encodingParameters.map { "/\($0)" } ?? "")
    }
}

/// `a=fmtp:<payload type> <format specific parameters>` (RFC 8866 §6.15), e.g.
/// `a=fmtp:111 minptime=10;useinbandfec=1`. Parameters are kept as written and
/// also offered as key/value pairs (the `key=value;…` convention most codecs use).
public struct SDPFormatParameters: Hashable, Sendable, SDPAttributeValue {
    public static let attributeName = "fmtp"

    public var payloadType: UInt8
    public var parameters: String

    public init(payloadType: UInt8, parameters: String) {
        self.payloadType = payloadType
        self.parameters = parameters
    }

    /// From ordered pairs, joined as `k=v;k=v`.
    public init(payloadType: UInt8, pairs: [(String, String)]) {
        self.init(payloadType: payloadType, parameters: pairs.map { "\($0.0)=\($0.1)" }.joined(separator: ";"))
    }

    public init(attributeValue: String) throws {
        let trimmed = attributeValue.drop { $0 == " " }
        guard let space = trimmed.firstIndex(of: " "), let pt = UInt8(trimmed[..<space]), pt <= 127 else {
            throw SDPParseError.malformedValue(kind: "fmtp", value: attributeValue)
        }
        self.init(payloadType: pt, parameters: String(trimmed[trimmed.index(after: space)...].drop { $0 == " " }))
    }

    public var attributeValue: String { "\(payloadType) \(parameters)" }

    /// `key=value` pairs split on ";" (keys lowercased, whitespace trimmed). A
    /// parameter without "=" (e.g. RED's "111/111") has an empty key.
    public var pairs: [(key: String, value: String)] {
        parameters.split(separator: ";").map { item in
            let t = item.trimmingSpaces
            if let eq = t.firstIndex(of: "=") {
                return (String(t[..<eq]).lowercased(), String(t[t.index(after: eq)...]))
            }
            return ("", String(t))
        }
    }

    /// The value of `key` (case-insensitive), e.g. `apt` for RTX, `profile-level-id` for H.264.
    public subscript(key: String) -> String? {
        let k = key.lowercased()
        return pairs.first { $0.key == k }?.value
    }
}

/// `a=rtcp-fb:<payload type|*> <type> [<subtype>]` (RFC 4585 §4.2), e.g.
/// `a=rtcp-fb:96 nack pli`, `a=rtcp-fb:96 transport-cc`, `a=rtcp-fb:96 goog-remb`.
public struct SDPRTCPFeedback: Hashable, Sendable, SDPAttributeValue {
    public static let attributeName = "rtcp-fb"

    /// nil for the wildcard "*".
    public var payloadType: UInt8?
    public var type: String
    public var subtype: String?

    public init(payloadType: UInt8?, type: String, subtype: String? = nil) {
        self.payloadType = payloadType
        self.type = type
        self.subtype = subtype
    }

    public init(attributeValue: String) throws {
        let f = fields(attributeValue)
        guard f.count == 2 || f.count == 3 else { throw SDPParseError.malformedValue(kind: "rtcp-fb", value: attributeValue) }
        if f[0] == "*" {
            payloadType = nil
        } else {
            guard let pt = UInt8(f[0]), pt <= 127 else { throw SDPParseError.malformedValue(kind: "rtcp-fb", value: attributeValue) }
            payloadType = pt
        }
        type = String(f[1])
        subtype = f.count == 3 ? String(f[2]) : nil
    }

    public var attributeValue: String {
        "\(payloadType.map(String.init) ?? "*") \(type)" + (subtype.map { " \($0)" } ?? "")
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return s
    }
}
