/// `a=extmap:<id>[/<direction>] <URI> [<extension attributes>]` (RFC 8285 §8),
/// e.g. `a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01`.
public struct SDPExtMap: Hashable, Sendable, SDPAttributeValue {
    public static let attributeName = "extmap"

    /// 1–14 for one-byte headers, up to 255 for two-byte (RFC 8285 §4); 4096–4351 are
    /// reserved for negotiation and also accepted.
    public var id: UInt16
    public var direction: SDPDirection?
    public var uri: String
    public var extensionAttributes: String?

    public init(id: UInt16, direction: SDPDirection? = nil, uri: String, extensionAttributes: String? = nil) {
        self.id = id
        self.direction = direction
        self.uri = uri
        self.extensionAttributes = extensionAttributes
    }

    public init(attributeValue: String) throws {
        let bad = SDPParseError.malformedValue(kind: "extmap", value: attributeValue)
        let f = fields(attributeValue)
        guard f.count >= 2 else { throw bad }
        let idParts = f[0].split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let id = UInt16(idParts[0]), id >= 1, id <= 4351 else { throw bad }
        var direction: SDPDirection?
        if idParts.count == 2 {
            guard let d = SDPDirection(rawValue: String(idParts[1])) else { throw bad }
            direction = d
        }
        let rest = f.count > 2 ? f[2...].joined(separator: " ") : nil
        self.init(id: id, direction: direction, uri: String(f[1]), extensionAttributes: rest)
    }

    public var attributeValue: String {
        let idText = direction.map { "\(id)/\($0.rawValue)" } ?? "\(id)"
        return "\(idText) \(uri)" + (extensionAttributes.map { " \($0)" } ?? "")
    }

    // Header extension URIs Chrome and aiortc offer.
    public static let audioLevelURI = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
    public static let absSendTimeURI = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
    public static let transportWideCCURI = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
    public static let midURI = "urn:ietf:params:rtp-hdrext:sdes:mid"
    public static let ridURI = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"
    public static let repairedRidURI = "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"
    public static let timeOffsetURI = "urn:ietf:params:rtp-hdrext:toffset"
    public static let videoOrientationURI = "urn:3gpp:video-orientation"
}

/// The media direction attributes (RFC 8866 §6.7).
public enum SDPDirection: String, Hashable, Sendable, CaseIterable {
    case sendrecv, sendonly, recvonly, inactive

    /// The direction as seen from the other side (sendonly ↔ recvonly), used in answers.
    public var reversed: SDPDirection {
        switch self {
        case .sendonly: .recvonly
        case .recvonly: .sendonly
        default: self
        }
    }

    public var sends: Bool { self == .sendrecv || self == .sendonly }
    public var receives: Bool { self == .sendrecv || self == .recvonly }
}
