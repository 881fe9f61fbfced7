/// `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>` (RFC 8866 §5.2).
///
/// The session ID and version are kept as text: they are only ever compared and
/// incremented, and peers send values that do not fit every integer type.
public struct SDPOrigin: Hashable, Sendable {
    public var username: String
    public var sessionID: String
    public var sessionVersion: String
    public var networkType: String
    public var addressType: String
    public var address: String

    public init(username: String = "-", sessionID: String, sessionVersion: String,
                networkType: String = "IN", addressType: String = "IP4", address: String = "127.0.0.1") {
        self.username = username
        self.sessionID = sessionID
        self.sessionVersion = sessionVersion
        self.networkType = networkType
        self.addressType = addressType
        self.address = address
    }

    init(value: Substring) throws {
        let f = value.split(separator: " ", omittingEmptySubsequences: true)
        guard f.count == 6 else { throw SDPParseError.malformedValue(kind: "o=", value: String(value)) }
        self.init(username: String(f[0]), sessionID: String(f[1]), sessionVersion: String(f[2]),
                  networkType: String(f[3]), addressType: String(f[4]), address: String(f[5]))
    }

    var value: String { "\(username) \(sessionID) \(sessionVersion) \(networkType) \(addressType) \(address)" }
}

/// `c=<nettype> <addrtype> <connection-address>` (RFC 8866 §5.7).
public struct SDPConnection: Hashable, Sendable {
    public var networkType: String
    public var addressType: String
    /// May carry a TTL or count suffix ("224.2.1.1/127"), kept as written.
    public var address: String

    public init(networkType: String = "IN", addressType: String = "IP4", address: String = "0.0.0.0") {
        self.networkType = networkType
        self.addressType = addressType
        self.address = address
    }

    init(value: Substring) throws {
        let f = value.split(separator: " ", omittingEmptySubsequences: true)
        guard f.count == 3 else { throw SDPParseError.malformedValue(kind: "c=", value: String(value)) }
        self.init(networkType: String(f[0]), addressType: String(f[1]), address: String(f[2]))
    }

    var value: String { "\(networkType) \(addressType) \(address)" }
}

/// `b=<bwtype>:<bandwidth>` (RFC 8866 §5.8), e.g. `b=AS:2000` or `b=TIAS:128000`.
public struct SDPBandwidth: Hashable, Sendable {
    public var type: String
    public var bandwidth: UInt64

    public init(type: String, bandwidth: UInt64) {
        self.type = type
        self.bandwidth = bandwidth
    }

    init(value: Substring) throws {
        guard let colon = value.firstIndex(of: ":"), let bw = UInt64(value[value.index(after: colon)...]) else {
            throw SDPParseError.malformedValue(kind: "b=", value: String(value))
        }
        self.init(type: String(value[..<colon]), bandwidth: bw)
    }

    var value: String { "\(type):\(bandwidth)" }
}

/// `t=<start-time> <stop-time>` (RFC 8866 §5.9) with its `r=` repeat lines kept as text.
public struct SDPTiming: Hashable, Sendable {
    public var start: UInt64
    public var stop: UInt64
    public var repeats: [String]

    public init(start: UInt64 = 0, stop: UInt64 = 0, repeats: [String] = []) {
        self.start = start
        self.stop = stop
        self.repeats = repeats
    }

    init(value: Substring) throws {
        let f = value.split(separator: " ", omittingEmptySubsequences: true)
        guard f.count == 2, let start = UInt64(f[0]), let stop = UInt64(f[1]) else {
            throw SDPParseError.malformedValue(kind: "t=", value: String(value))
        }
        self.init(start: start, stop: stop)
    }
}

/// `m=<media> <port>[/<number of ports>] <proto> <fmt> ...` (RFC 8866 §5.14).
public struct SDPMediaLine: Hashable, Sendable {
    /// "audio", "video", "application", …
    public var media: String
    /// 9 (the discard port) in ICE offers; 0 rejects the section.
    public var port: UInt16
    public var portCount: UInt16?
    /// "UDP/TLS/RTP/SAVPF" for WebRTC media, "UDP/DTLS/SCTP" for data channels.
    public var proto: String
    /// RTP payload types as text, or e.g. "webrtc-datachannel".
    public var formats: [String]

    public init(media: String, port: UInt16 = 9, portCount: UInt16? = nil, proto: String = "UDP/TLS/RTP/SAVPF", formats: [String]) {
        self.media = media
        self.port = port
        self.portCount = portCount
        self.proto = proto
        self.formats = formats
    }

    init(value: Substring) throws {
        let f = value.split(separator: " ", omittingEmptySubsequences: true)
        guard f.count >= 3 else { throw SDPParseError.malformedValue(kind: "m=", value: String(value)) }
        let portParts = f[1].split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let port = UInt16(portParts[0]) else { throw SDPParseError.malformedValue(kind: "m=", value: String(value)) }
        var count: UInt16?
        if portParts.count == 2 {
            guard let c = UInt16(portParts[1]) else { throw SDPParseError.malformedValue(kind: "m=", value: String(value)) }
            count = c
        }
        self.init(media: String(f[0]), port: port, portCount: count, proto: String(f[2]), formats: f[3...].map(String.init))
    }

    var value: String {
        let portText = portCount.map { "\(port)/\($0)" } ?? "\(port)"
        return ([media, portText, proto] + formats).joined(separator: " ")
    }

    /// The formats that are RTP payload types (0–127).
    public var payloadTypes: [UInt8] { formats.compactMap { UInt8($0) }.filter { $0 <= 127 } }
}
