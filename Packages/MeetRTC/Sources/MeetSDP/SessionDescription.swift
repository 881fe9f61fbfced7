/// A session description (RFC 8866 §5): the session-level lines and the media
/// sections, parsed from and serialized to text.
///
/// ```
/// v=0
/// o=- 4611731400430051336 2 IN IP4 127.0.0.1
/// s=-
/// t=0 0
/// a=group:BUNDLE 0 1
/// m=audio 9 UDP/TLS/RTP/SAVPF 111
/// c=IN IP4 0.0.0.0
/// a=mid:0
/// ...
/// ```
///
/// Unknown attributes are kept in order; unknown line *types* reject the whole
/// description as §5 requires. Input is bounded by `Limits`, since offers come
/// from untrusted clients. Serialization always uses CRLF; parsing also accepts LF.
public struct SessionDescription: Hashable, Sendable, SDPAttributeContainer {
    public var version: Int
    public var origin: SDPOrigin
    public var sessionName: String
    public var information: String?
    public var uri: String?
    public var emails: [String]
    public var phones: [String]
    public var connection: SDPConnection?
    public var bandwidths: [SDPBandwidth]
    /// `t=` lines with their `r=` lines; WebRTC always sends one "t=0 0".
    public var timings: [SDPTiming]
    /// `z=`, kept as text.
    public var timeZones: String?
    public var encryptionKey: String?
    /// Session-level `a=` lines in order.
    public var attributes: [SDPAttribute]
    public var media: [MediaDescription]

    /// Bounds on accepted input.
    public struct Limits: Hashable, Sendable {
        public var maxBytes: Int
        public var maxLines: Int
        public var maxMediaSections: Int

        public init(maxBytes: Int = 64 * 1024, maxLines: Int = 4096, maxMediaSections: Int = 256) {
            self.maxBytes = maxBytes
            self.maxLines = maxLines
            self.maxMediaSections = maxMediaSections
        }

        public static let `default` = Limits()
    }

    public init(
        origin: SDPOrigin, sessionName: String = "-", timings: [SDPTiming] = [SDPTiming()],
        attributes: [SDPAttribute] = [], media: [MediaDescription] = []
    ) {
        self.version = 0
        self.origin = origin
        self.sessionName = sessionName
        self.information = nil
        self.uri = nil
        self.emails = []
        self.phones = []
        self.connection = nil
        self.bandwidths = []
        self.timings = timings
        self.timeZones = nil
        self.encryptionKey = nil
        self.attributes = attributes
        self.media = media
    }

    /// The description as SDP text with CRLF line endings.
    public func serialize() -> String {
        var out = "v=\(version)\r\n"
        out += "o=\(origin.value)\r\n"
        out += "s=\(sessionName)\r\n"
        if let information { out += "i=\(information)\r\n" }
        if let uri { out += "u=\(uri)\r\n" }
        for e in emails { out += "e=\(e)\r\n" }
        for p in phones { out += "p=\(p)\r\n" }
        if let connection { out += "c=\(connection.value)\r\n" }
        for b in bandwidths { out += "b=\(b.value)\r\n" }
        for t in timings {
            out += "t=\(t.start) \(t.stop)\r\n"
            for r in t.repeats { out += "r=\(r)\r\n" }
        }
        if let timeZones { out += "z=\(timeZones)\r\n" }
        if let encryptionKey { out += "k=\(encryptionKey)\r\n" }
        for a in attributes { out += "a=\(a.description)\r\n" }
        for m in media { m.serialize(into: &out) }
        return out
    }
}

extension SessionDescription: CustomStringConvertible {
    public var description: String { serialize() }
}
