/// An ICE candidate, `a=candidate:` (RFC 8839 §5.1), e.g.
/// `a=candidate:1 1 udp 2130706431 192.0.2.10 50000 typ host generation 0`.
///
/// ```
/// candidate-attribute = "candidate" ":" foundation SP component-id SP transport SP
///                       priority SP connection-address SP port SP cand-type
///                       [SP rel-addr] [SP rel-port] *(SP cand-extension)
/// ```
public struct SDPCandidate: Hashable, Sendable, SDPAttributeValue {
    public static let attributeName = "candidate"

    public enum CandidateType: String, Hashable, Sendable {
        case host, srflx, prflx, relay
    }

    public var foundation: String
    /// 1 for RTP (the only component with rtcp-mux).
    public var component: UInt16
    /// "udp" or "tcp"; compare case-insensitively (Chrome writes "udp", aiortc "UDP").
    public var transport: String
    public var priority: UInt32
    /// An IP address or, for mDNS candidates, a ".local" hostname.
    public var address: String
    public var port: UInt16
    public var type: CandidateType
    public var relatedAddress: String?
    public var relatedPort: UInt16?
    /// Remaining name/value pairs in order (generation, ufrag, network-id, tcptype, …).
    public var extensions: [(name: String, value: String)]

    public init(
        foundation: String, component: UInt16 = 1, transport: String = "udp", priority: UInt32,
        address: String, port: UInt16, type: CandidateType, relatedAddress: String? = nil,
        relatedPort: UInt16? = nil, extensions: [(name: String, value: String)] = []
    ) {
        self.foundation = foundation
        self.component = component
        self.transport = transport
        self.priority = priority
        self.address = address
        self.port = port
        self.type = type
        self.relatedAddress = relatedAddress
        self.relatedPort = relatedPort
        self.extensions = extensions
    }

    /// Parses the value after "candidate:" (a trickled "candidate:..." string minus
    /// its prefix works too: a leading "candidate:" is accepted).
    public init(attributeValue: String) throws {
        let bad = SDPParseError.malformedValue(kind: "candidate", value: String(attributeValue.prefix(200)))
        var text = attributeValue[...]
        if text.hasPrefix("candidate:") { text = text.dropFirst("candidate:".count) }
        let f = fields(text)
        guard f.count >= 8, f[6] == "typ",
              let component = UInt16(f[1]), let priority = UInt32(f[3]), let port = UInt16(f[5]),
              let type = CandidateType(rawValue: String(f[7]))
        else { throw bad }
        self.init(foundation: String(f[0]), component: component, transport: String(f[2]), priority: priority,
                  address: String(f[4]), port: port, type: type)
        var i = 8
        while i < f.count {
            guard i + 1 < f.count else { throw bad }
            let name = String(f[i]), value = String(f[i + 1])
            switch name {
            case "raddr": relatedAddress = value
            case "rport":
                guard let p = UInt16(value) else { throw bad }
                relatedPort = p
            default: extensions.append((name, value))
            }
            i += 2
        }
    }

    public var attributeValue: String {
        var parts = [foundation, String(component), transport, String(priority), address, String(port), "typ", type.rawValue]
        if let relatedAddress { parts += ["raddr", relatedAddress] }
        if let relatedPort { parts += ["rport", String(relatedPort)] }
        for e in extensions { parts += [e.name, e.value] }
        return parts.joined(separator: " ")
    }

    /// The value of a candidate extension such as "generation" or "ufrag".
    public func extensionValue(_ name: String) -> String? { extensions.first { $0.name == name }?.value }

    public static func == (lhs: SDPCandidate, rhs: SDPCandidate) -> Bool { lhs.attributeValue == rhs.attributeValue }
    public func hash(into hasher: inout Hasher) { hasher.combine(attributeValue) }
}
