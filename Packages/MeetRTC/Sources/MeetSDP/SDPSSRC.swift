/// `a=ssrc:<ssrc-id> <attribute>[:<value>]` (RFC 5576 §4.1), e.g.
/// `a=ssrc:1001 cname:user@example` or `a=ssrc:1001 msid:stream track`.
public struct SDPSSRCAttribute: Hashable, Sendable, SDPAttributeValue {
    public static let attributeName = "ssrc"

    public var ssrc: UInt32
    public var name: String
    public var value: String?

    public init(ssrc: UInt32, name: String, value: String? = nil) {
        self.ssrc = ssrc
        self.name = name
        self.value = value
    }

    public init(attributeValue: String) throws {
        let trimmed = attributeValue.drop { $0 == " " }
        guard let space = trimmed.firstIndex(of: " "), let ssrc = UInt32(trimmed[..<space]) else {
            throw SDPParseError.malformedValue(kind: "ssrc", value: attributeValue)
        }
        let rest = trimmed[trimmed.index(after: space)...].drop { $0 == " " }
        guard !rest.isEmpty else { throw SDPParseError.malformedValue(kind: "ssrc", value: attributeValue) }
        if let colon = rest.firstIndex(of: ":") {
            self.init(ssrc: ssrc, name: String(rest[..<colon]), value: String(rest[rest.index(after: colon)...]))
        } else {
            self.init(ssrc: ssrc, name: String(rest))
        }
    }

    public var attributeValue: String { "\(ssrc) \(name)" + (value.map { ":\($0)" } ?? "") }
}

/// `a=ssrc-group:<semantics> <ssrc-id> ...` (RFC 5576 §4.2), e.g. `a=ssrc-group:FID 1001 1002`
/// pairs a media SSRC with its RTX SSRC; `SIM` lists simulcast layers.
public struct SDPSSRCGroup: Hashable, Sendable, SDPAttributeValue {
    public static let attributeName = "ssrc-group"

    public var semantics: String
    public var ssrcs: [UInt32]

    public init(semantics: String, ssrcs: [UInt32]) {
        self.semantics = semantics
        self.ssrcs = ssrcs
    }

    public init(attributeValue: String) throws {
        let f = fields(attributeValue)
        guard let first = f.first else { throw SDPParseError.malformedValue(kind: "ssrc-group", value: attributeValue) }
        var ssrcs = [UInt32]()
        for item in f.dropFirst() {
            guard let s = UInt32(item) else { throw SDPParseError.malformedValue(kind: "ssrc-group", value: attributeValue) }
            ssrcs.append(s)
        }
        self.init(semantics: String(first), ssrcs: ssrcs)
    }

    public var attributeValue: String { ([semantics] + ssrcs.map(String.init)).joined(separator: " ") }
}

/// `a=group:<semantics> <identification-tag> ...` (RFC 5888 §5, RFC 9143 BUNDLE),
/// e.g. `a=group:BUNDLE 0 1 2`.
public struct SDPGroup: Hashable, Sendable, SDPAttributeValue {
    public static let attributeName = "group"

    public var semantics: String
    public var mids: [String]

    public init(semantics: String, mids: [String]) {
        self.semantics = semantics
        self.mids = mids
    }

    public init(attributeValue: String) throws {
        let f = fields(attributeValue)
        guard let first = f.first else { throw SDPParseError.malformedValue(kind: "group", value: attributeValue) }
        self.init(semantics: String(first), mids: f.dropFirst().map(String.init))
    }

    public var attributeValue: String { ([semantics] + mids).joined(separator: " ") }
}

/// `a=msid:<stream id> [<track id>]` (RFC 8830 §2), associating a media section with
/// a MediaStream and track. Chrome sends "-" as the stream id for stream-less tracks.
public struct SDPMediaStreamID: Hashable, Sendable, SDPAttributeValue {
    public static let attributeName = "msid"

    public var streamID: String
    public var trackID: String?

    public init(streamID: String, trackID: String? = nil) {
        self.streamID = streamID
        self.trackID = trackID
    }

    public init(attributeValue: String) throws {
        let f = fields(attributeValue)
        guard f.count == 1 || f.count == 2 else { throw SDPParseError.malformedValue(kind: "msid", value: attributeValue) }
        self.init(streamID: String(f[0]), trackID: f.count == 2 ? String(f[1]) : nil)
    }

    public var attributeValue: String { streamID + (trackID.map { " \($0)" } ?? "") }
}
