/// A payload type with what the section says about it: rtpmap, fmtp and rtcp-fb
/// joined. A building block for answer generation (codec matching) and for
/// mapping received payload types to codecs.
public struct SDPCodec: Hashable, Sendable {
    public var payloadType: UInt8
    /// "opus", "VP8", "H264", "rtx", "red", "ulpfec", … as written.
    public var name: String
    public var clockRate: UInt32
    public var channels: UInt32?
    /// The fmtp parameters, nil when there is no fmtp line.
    public var parameters: SDPFormatParameters?
    /// rtcp-fb lines for this payload type and for "*".
    public var feedback: [SDPRTCPFeedback]

    public init(payloadType: UInt8, name: String, clockRate: UInt32, channels: UInt32? = nil,
                parameters: SDPFormatParameters? = nil, feedback: [SDPRTCPFeedback] = []) {
        self.payloadType = payloadType
        self.name = name
        self.clockRate = clockRate
        self.channels = channels
        self.parameters = parameters
        self.feedback = feedback
    }

    /// True for RTX (RFC 4588); `associatedPayloadType` is the media it repairs.
    public var isRTX: Bool { Self.isRTX(name) }
    /// True for RTX's encoding name (`a=rtpmap:<pt> rtx/<rate>`), in any case.
    public static func isRTX(_ encodingName: String) -> Bool { encodingName.lowercased() == "rtx" }
    /// The `apt` fmtp parameter of RTX.
    public var associatedPayloadType: UInt8? { parameters?["apt"].flatMap { UInt8($0) } }

    public func hasFeedback(_ type: String, _ subtype: String? = nil) -> Bool {
        feedback.contains { $0.type == type && $0.subtype == subtype }
    }
}

extension MediaDescription {
    /// The codecs in `m=` line order. Payload types without an rtpmap get one only
    /// when they are static types of RFC 3551 that WebRTC still uses (0 PCMU, 8 PCMA, 9 G722).
    public var codecs: [SDPCodec] {
        let maps = rtpMaps, fmtps = formatParameters, fbs = rtcpFeedback
        return mediaLine.payloadTypes.compactMap { pt in
            var codec: SDPCodec
            if let map = maps.first(where: { $0.payloadType == pt }) {
                codec = SDPCodec(payloadType: pt, name: map.encodingName, clockRate: map.clockRate, channels: map.encodingParameters)
            } else if let known = Self.staticPayloadTypes[pt] {
                codec = SDPCodec(payloadType: pt, name: known.0, clockRate: known.1, channels: 1)
            } else {
                return nil
            }
            codec.parameters = fmtps.first { $0.payloadType == pt }
            codec.feedback = fbs.filter { $0.payloadType == pt || $0.payloadType == nil }
            return codec
        }
    }

    /// The codec with this payload type.
    public func codec(payloadType: UInt8) -> SDPCodec? { codecs.first { $0.payloadType == payloadType } }

    /// Codecs with this encoding name (case-insensitive), e.g. "opus" or "VP8".
    public func codecs(named name: String) -> [SDPCodec] {
        let n = name.lowercased()
        return codecs.filter { $0.name.lowercased() == n }
    }

    /// Appends a codec: its payload type to the m= line and its rtpmap, fmtp and rtcp-fb lines.
    public mutating func addCodec(_ codec: SDPCodec) {
        mediaLine.formats.append(String(codec.payloadType))
        append(SDPRTPMap(payloadType: codec.payloadType, encodingName: codec.name, clockRate: codec.clockRate,
                         encodingParameters: codec.channels))
        for fb in codec.feedback { append(SDPRTCPFeedback(payloadType: codec.payloadType, type: fb.type, subtype: fb.subtype)) }
        if let p = codec.parameters { append(SDPFormatParameters(payloadType: codec.payloadType, parameters: p.parameters)) }
    }

    static let staticPayloadTypes: [UInt8: (String, UInt32)] = [0: ("PCMU", 8000), 8: ("PCMA", 8000), 9: ("G722", 8000)]
}
