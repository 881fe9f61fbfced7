/// Where a peer connection stands, as the application sees it.
public enum PeerConnectionState: Sendable, Hashable, CustomStringConvertible {
    /// Created; no authenticated connectivity check yet.
    case new
    /// ICE has a validated, nominated address; DTLS is under way.
    case iceConnected
    /// DTLS finished and SRTP keys are installed: media can flow.
    case connected
    /// Closed by the application or the remote side (DTLS close_notify).
    case closed(reason: String)
    /// Gave up; `stage` names the layer that failed.
    case failed(stage: PeerConnectionStage, reason: String)

    public var description: String {
        switch self {
        case .new: "new"
        case .iceConnected: "ice-connected"
        case .connected: "connected"
        case .closed(let reason): "closed (\(reason))"
        case .failed(let stage, let reason): "failed at \(stage.rawValue): \(reason)"
        }
    }

    /// True for `.closed` and `.failed`: the connection will do nothing more.
    public var isTerminal: Bool {
        switch self {
        case .closed, .failed: true
        default: false
        }
    }
}

/// The layers a connection goes through, in order; a failure names one.
public enum PeerConnectionStage: String, Sendable, Hashable, Codable {
    case signaling = "SDP"
    case ice = "ICE"
    case dtls = "DTLS"
    case srtp = "SRTP"
    case rtp = "RTP"
}

/// Per-connection counters and milestones, readable on the event loop
/// (`PeerConnection.stats`) and encodable for a `/stats` endpoint.
public struct PeerConnectionStats: Sendable, Codable, Hashable {
    public struct Stages: Sendable, Codable, Hashable {
        public var iceConnected = false
        public var dtlsConnected = false
        public var srtpReady = false
    }

    public struct Counters: Sendable, Codable, Hashable {
        public var stunIn = 0
        public var stunOut = 0
        public var dtlsIn = 0
        public var dtlsOut = 0
        public var rtpIn = 0
        public var rtcpIn = 0
        public var rtpOut = 0
        public var rtcpOut = 0
        /// SRTP/SRTCP that failed authentication or replay checks.
        public var srtpErrors = 0
        /// Datagrams dropped for any other reason (before DTLS, unknown SSRC...).
        public var dropped = 0
    }

    public var id: String
    public var state: String
    public var stages = Stages()
    public var counters = Counters()
    /// "STAGE: reason" once the connection failed.
    public var failure: String?
    /// The remote address media flows to, once ICE selected one.
    public var remoteAddress: String?
}
