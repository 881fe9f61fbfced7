/// One media section: the `m=` line and the lines up to the next `m=` (RFC 8866 §5.14).
///
/// Typed views of its attributes (mid, direction, codecs, candidates, …) are in
/// `MediaDescription+Attributes.swift`.
public struct MediaDescription: Hashable, Sendable, SDPAttributeContainer {
    public var mediaLine: SDPMediaLine
    /// `i=`
    public var information: String?
    /// `c=` lines (one in WebRTC, usually "IN IP4 0.0.0.0").
    public var connections: [SDPConnection]
    /// `b=` lines.
    public var bandwidths: [SDPBandwidth]
    /// `k=` (obsolete, kept for round trips).
    public var encryptionKey: String?
    /// `a=` lines in order, known or not.
    public var attributes: [SDPAttribute]

    public init(
        mediaLine: SDPMediaLine, information: String? = nil, connections: [SDPConnection] = [SDPConnection()],
        bandwidths: [SDPBandwidth] = [], encryptionKey: String? = nil, attributes: [SDPAttribute] = []
    ) {
        self.mediaLine = mediaLine
        self.information = information
        self.connections = connections
        self.bandwidths = bandwidths
        self.encryptionKey = encryptionKey
        self.attributes = attributes
    }

    /// "audio", "video", "application".
    public var kind: String { mediaLine.media }

    func serialize(into out: inout String) {
        out += "m=\(mediaLine.value)\r\n"
        if let information { out += "i=\(information)\r\n" }
        for c in connections { out += "c=\(c.value)\r\n" }
        for b in bandwidths { out += "b=\(b.value)\r\n" }
        if let encryptionKey { out += "k=\(encryptionKey)\r\n" }
        for a in attributes { out += "a=\(a.description)\r\n" }
    }
}
