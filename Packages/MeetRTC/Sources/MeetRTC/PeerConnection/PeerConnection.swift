import Logging
import MeetDTLS
import MeetSRTP
import NIOCore

/// One WebRTC peer connection on a shared `RTCSocket`: ICE, DTLS-SRTP and the
/// negotiated RTP tracks of one remote peer.
///
/// As a `.server` it answers an offer as an ICE-lite, controlled agent with
/// DTLS in the passive role (what an SFU does); as a `.client` it offers, runs
/// full ICE as the controlling agent and DTLS in the active role (what the
/// load generator and the tests do).
///
/// Everything after creation happens on the socket's event loop: the receive
/// path is a synchronous call from the socket's channel handler, and the
/// delegate is called from it. The async methods hop onto the loop once per
/// signaling step, never per packet.
public final class PeerConnection: @unchecked Sendable {
    public enum Role: Sendable, Hashable {
        /// ICE-lite, controlled, DTLS passive: answers offers.
        case server
        /// Full ICE, controlling, DTLS active: makes offers.
        case client
    }

    /// A random id for logs and stats.
    public let id: String
    public let role: Role
    public let socket: RTCSocket
    public let configuration: RTCConfiguration
    public var eventLoop: any EventLoop { socket.eventLoop }
    /// Our ICE credentials (RFC 8445 §5.3: ufrag ≥ 4, pwd ≥ 22 characters);
    /// replaced by an ICE restart (RFC 8839 §4.4.1.1.1), event loop only then.
    public internal(set) var localUfrag: String
    public internal(set) var localPassword: String
    var logger: Logger

    // MARK: Event-loop state
    var delegate: (any PeerConnectionDelegate)?
    public internal(set) var state: PeerConnectionState = .new
    var statsStorage: PeerConnectionStats
    /// Tracks we send (answer/offer `a=ssrc`) and the remote tracks we receive.
    public internal(set) var localTracks: [LocalTrack] = []
    public internal(set) var remoteTracks: [RemoteTrack] = []
    var remoteTrackBySSRC: [UInt32: Int] = [:]
    /// The negotiated id of the mid header extension, if any.
    var midExtensionID: UInt8?
    var negotiation: Negotiation?
    /// The address ICE selected; media goes there.
    var selectedAddress: SocketAddress?
    var timers: [Timer: Scheduled<Void>] = [:]
    var dtls: DTLSConnection?
    var srtp: SRTPSession?
    var ice: ICEAgent?
    /// Client: our offer until the answer arrives.
    var pendingOffer: PendingOffer?
    /// Server offer awaiting its answer: DTLS records that came after an
    /// early check, kept for the handshake (bounded; `PeerConnection+EarlyChecks`).
    var earlyDTLS: [ByteBuffer] = []
    /// SSRCs of remote sections a re-offer removed: never delivered again,
    /// not even through payload-type learning (bounded like learning).
    var retiredSSRCs: Set<UInt32> = []
    /// RTCP CNAME of our tracks (RFC 7022: random per connection).
    let cname = RandomString.make(length: 16)

    enum Timer: Hashable {
        /// No ICE success within `iceTimeout`.
        case ice
        /// The ICE agent's own timer (checks, consent).
        case iceAgent
        /// No DTLS success within `dtlsTimeout`.
        case dtls
        case dtlsRetransmit
    }

    public init(
        role: Role, socket: RTCSocket, configuration: RTCConfiguration,
        delegate: (any PeerConnectionDelegate)?, logger: Logger = Logger(label: "meet.rtc")
    ) {
        self.id = RandomString.make(length: 10)
        self.role = role
        self.socket = socket
        self.configuration = configuration
        self.delegate = delegate
        let credentials = ICECredentials.random()
        self.localUfrag = credentials.ufrag
        self.localPassword = credentials.password
        var logger = logger
        logger[metadataKey: "peer"] = "\(id)"
        self.logger = logger
        self.statsStorage = PeerConnectionStats(id: id, state: "new")
    }

    /// The counters and milestones (event loop only).
    public var stats: PeerConnectionStats {
        var stats = statsStorage
        stats.state = state.description
        stats.remoteAddress = selectedAddress.map { "\($0)" }
        return stats
    }

    /// Closes the connection: sends DTLS close_notify, stops timers, and
    /// removes it from the socket's routing table. Event loop only; idempotent.
    public func close(reason: String = "closed") {
        eventLoop.preconditionInEventLoop()
        finish(.closed(reason: reason))
    }

    /// Closes from any thread.
    public func closeAsync(reason: String = "closed") async {
        try? await eventLoop.submit { self.close(reason: reason) }.get()
    }

    // MARK: State changes (event loop)

    func transition(to newState: PeerConnectionState) {
        guard !state.isTerminal, newState != state else { return }
        state = newState
        logger.debug("state", metadata: ["state": "\(newState)"])
        delegate?.peerConnection(self, didChangeState: newState)
    }

    /// Moves to a terminal state and releases everything the connection holds.
    func finish(_ terminal: PeerConnectionState) {
        guard !state.isTerminal else { return }
        if case .failed(let stage, let reason) = terminal {
            statsStorage.failure = "\(stage.rawValue): \(reason)"
            logger.warning("peer connection failed", metadata: ["stage": "\(stage.rawValue)", "reason": "\(reason)"])
        }
        shutdownTransport()
        for (_, task) in timers { task.cancel() }
        timers.removeAll()
        socket.unregister(self)
        socket.metrics.peersClosed.increment()
        transition(to: terminal)
        delegate = nil
    }

    func fail(_ stage: PeerConnectionStage, _ reason: String) {
        finish(.failed(stage: stage, reason: reason))
    }

    /// (Re)arms a one-shot timer on the loop; `timerFired(_:)` handles it.
    func schedule(_ timer: Timer, in delay: TimeAmount) {
        timers[timer]?.cancel()
        timers[timer] = eventLoop.scheduleTask(in: delay) { [weak self] in
            guard let self, !self.state.isTerminal else { return }
            self.timers[timer] = nil
            self.timerFired(timer)
        }
    }

    func cancel(_ timer: Timer) {
        timers.removeValue(forKey: timer)?.cancel()
    }

    func timerFired(_ timer: Timer) {
        switch timer {
        case .ice: fail(.ice, "no authenticated connectivity check within \(configuration.iceTimeout)")
        case .dtls: fail(.dtls, "handshake not finished within \(configuration.dtlsTimeout)")
        case .iceAgent: iceTimerFired()
        case .dtlsRetransmit: dtlsRetransmitTimerFired()
        }
    }

    /// Sends DTLS close_notify and forgets the keys.
    func shutdownTransport() {
        closeDTLS()
        closeICE()
        dtls = nil
        srtp = nil
        earlyDTLS = []
    }
}

/// Random ICE credentials and ids from the ice-char set (RFC 8839 §5.4).
enum RandomString {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")

    static func make(length: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet.randomElement(using: &generator)! })
    }
}
