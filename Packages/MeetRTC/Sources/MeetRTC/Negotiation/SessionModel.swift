public import MeetDTLS

/// The parts of a session description the offer/answer rules work on
/// (RFC 8829 JSEP, RFC 8843 BUNDLE, RFC 8839 ICE, RFC 8842 DTLS): one
/// transport for the whole bundle and the media sections on it.
///
/// Read from SDP text and written back to it by `SessionModel+SDP.swift`.
public struct SessionModel: Sendable, Equatable {
    public var transport: TransportModel
    /// `a=group:BUNDLE` mids, in order.
    public var bundle: [String]
    public var sections: [MediaSectionModel]

    public init(transport: TransportModel, bundle: [String], sections: [MediaSectionModel]) {
        self.transport = transport
        self.bundle = bundle
        self.sections = sections
    }
}

/// ICE and DTLS parameters, shared by every bundled section.
public struct TransportModel: Sendable, Equatable {
    public var iceUfrag: String
    public var icePassword: String
    /// `a=ice-lite` (RFC 8839 §5.3): the side only answers checks.
    public var iceLite: Bool
    public var fingerprints: [DTLSFingerprint]
    public var setup: DTLSSetup
    public var candidates: [CandidateModel]

    public init(iceUfrag: String, icePassword: String, iceLite: Bool, fingerprints: [DTLSFingerprint], setup: DTLSSetup, candidates: [CandidateModel]) {
        self.iceUfrag = iceUfrag
        self.icePassword = icePassword
        self.iceLite = iceLite
        self.fingerprints = fingerprints
        self.setup = setup
        self.candidates = candidates
    }
}

/// `a=setup` (RFC 4145 §4, RFC 8842 §5.1).
public enum DTLSSetup: String, Sendable, Equatable {
    case actpass, active, passive
}

/// One `a=candidate` line (RFC 8839 §5.1), UDP only.
public struct CandidateModel: Sendable, Equatable {
    public var foundation: String
    public var component: Int
    public var priority: UInt32
    public var address: String
    public var port: Int
    /// host, srflx, prflx or relay.
    public var type: String

    public init(foundation: String, component: Int = 1, priority: UInt32, address: String, port: Int, type: String = "host") {
        self.foundation = foundation
        self.component = component
        self.priority = priority
        self.address = address
        self.port = port
        self.type = type
    }
}

/// `a=sendrecv` and friends (RFC 8866 §6.7), seen from the side that wrote them.
public enum MediaDirection: String, Sendable, Equatable {
    case sendrecv, sendonly, recvonly, inactive

    public var sends: Bool { self == .sendrecv || self == .sendonly }
    public var receives: Bool { self == .sendrecv || self == .recvonly }

    /// The direction an answer may take given what we want (RFC 8829 §5.3.1).
    public static func answering(_ offered: MediaDirection, wantSend: Bool, wantReceive: Bool) -> MediaDirection {
        let send = wantSend && offered.receives
        let receive = wantReceive && offered.sends
        switch (send, receive) {
        case (true, true): return .sendrecv
        case (true, false): return .sendonly
        case (false, true): return .recvonly
        case (false, false): return .inactive
        }
    }
}

/// One media section (`m=` line and its attributes).
public struct MediaSectionModel: Sendable, Equatable {
    /// "audio", "video", or anything else (kept to reject it properly).
    public var kind: String
    /// 0 rejects the section (RFC 8829 §5.3.1).
    public var port: Int
    public var proto: String
    public var mid: String
    public var direction: MediaDirection
    public var rtcpMux: Bool
    public var rtcpReducedSize: Bool
    public var codecs: [CodecModel]
    /// `a=extmap` id → URI (RFC 8285 §5).
    public var extensions: [HeaderExtensionModel]
    /// `a=msid` (RFC 8830): stream id and track id.
    public var msid: (stream: String, track: String)?
    public var cname: String?
    /// SSRCs from `a=ssrc`, in order of appearance (primary first).
    public var ssrcs: [UInt32]
    /// `a=ssrc-group` semantics (FID, SIM) and their SSRCs.
    public var ssrcGroups: [(semantics: String, ssrcs: [UInt32])]
    /// The m= line's formats when they are not RTP payload types (e.g.
    /// "webrtc-datachannel"); empty means "the codecs' payload types".
    public var formats: [String] = []
    /// `a=rid` + `a=simulcast` (RFC 8851, RFC 8853); nil for one stream.
    public var simulcast: SimulcastModel?

    /// The format list of the m= line.
    public var mediaFormats: [String] {
        formats.isEmpty ? codecs.map { String($0.payloadType) } : formats
    }

    public init(
        kind: String, port: Int = 9, proto: String = "UDP/TLS/RTP/SAVPF", mid: String, direction: MediaDirection,
        rtcpMux: Bool = true, rtcpReducedSize: Bool = false, codecs: [CodecModel] = [], extensions: [HeaderExtensionModel] = [],
        msid: (stream: String, track: String)? = nil, cname: String? = nil, ssrcs: [UInt32] = [],
        ssrcGroups: [(semantics: String, ssrcs: [UInt32])] = []
    ) {
        self.kind = kind
        self.port = port
        self.proto = proto
        self.mid = mid
        self.direction = direction
        self.rtcpMux = rtcpMux
        self.rtcpReducedSize = rtcpReducedSize
        self.codecs = codecs
        self.extensions = extensions
        self.msid = msid
        self.cname = cname
        self.ssrcs = ssrcs
        self.ssrcGroups = ssrcGroups
    }

    public static func == (lhs: MediaSectionModel, rhs: MediaSectionModel) -> Bool {
        lhs.kind == rhs.kind && lhs.port == rhs.port && lhs.proto == rhs.proto && lhs.mid == rhs.mid
            && lhs.direction == rhs.direction && lhs.rtcpMux == rhs.rtcpMux && lhs.rtcpReducedSize == rhs.rtcpReducedSize
            && lhs.codecs == rhs.codecs && lhs.extensions == rhs.extensions && lhs.msid?.stream == rhs.msid?.stream
            && lhs.msid?.track == rhs.msid?.track && lhs.cname == rhs.cname && lhs.ssrcs == rhs.ssrcs
            && lhs.ssrcGroups.map(\.semantics) == rhs.ssrcGroups.map(\.semantics)
            && lhs.ssrcGroups.map(\.ssrcs) == rhs.ssrcGroups.map(\.ssrcs) && lhs.formats == rhs.formats
            && lhs.simulcast == rhs.simulcast
    }
}

/// `a=rtpmap` + `a=fmtp` + `a=rtcp-fb` for one payload type: as a
/// description lists it, and as both sides agreed on it for a track
/// (``RemoteTrack/codecs``, `PeerConnection.negotiatedSendCodecs(mid:)`).
public struct CodecModel: Sendable, Hashable {
    /// The payload type the offer gave it; the answer keeps it (RFC 8829 §5.3.1).
    public var payloadType: UInt8
    /// Encoding name as in `a=rtpmap`, e.g. "opus", "VP8", "H264".
    public var name: String
    public var clockRate: Int
    public var channels: Int?
    /// The `a=fmtp` parameters, verbatim.
    public var parameters: String?
    /// `a=rtcp-fb` values, e.g. "nack", "nack pli", "transport-cc".
    public var feedback: [String]

    public init(payloadType: UInt8, name: String, clockRate: Int, channels: Int? = nil, parameters: String? = nil, feedback: [String] = []) {
        self.payloadType = payloadType
        self.name = name
        self.clockRate = clockRate
        self.channels = channels
        self.parameters = parameters
        self.feedback = feedback
    }
}

/// `a=extmap:<id> <uri>` (RFC 8285 §5).
public struct HeaderExtensionModel: Sendable, Equatable {
    public var id: UInt8
    public var uri: String

    public init(id: UInt8, uri: String) {
        self.id = id
        self.uri = uri
    }
}
