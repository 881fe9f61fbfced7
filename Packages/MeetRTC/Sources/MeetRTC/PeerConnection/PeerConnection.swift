public import Logging
import MeetSRTP
import Metrics
public import NIOCore

/// One WebRTC peer connection on a shared `RTCSocket`: ICE, DTLS-SRTP and the
/// negotiated RTP tracks of one remote peer. As a `.server` it answers as an
/// ICE-lite, controlled agent with DTLS passive (an SFU); as a `.client` it
/// offers, runs full ICE as the controlling agent and DTLS active (the load
/// generator, the tests).
///
/// A façade over pieces with one job each, as pion splits its
/// `PeerConnection`: the ``Negotiator`` (offer/answer), the ``ICETransport``
/// (agent, credentials, selected address), the ``DTLSTransport`` (handshake,
/// SRTP keys) and the ``RTPReceiver`` (which track a packet belongs to). The
/// connection routes the socket's datagrams to them, applies negotiation
/// outcomes to them, and owns the state the application sees.
///
/// Confinement (``EventLoopConfined``): all of it belongs to the socket's
/// event loop, where the socket's channel handler calls the receive path and
/// the delegate is called; the async methods hop onto it once per signaling
/// step, never per packet. `Sendable` only so the connection can be handed
/// to other tasks. Every synchronous entry point asserts the loop (debug
/// builds; nothing per packet in release), ``close(reason:)`` checks it in
/// every build.
public final class PeerConnection: EventLoopConfined, @unchecked Sendable {
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
    let logger: Logger

    // MARK: Event-loop state
    var delegate: (any PeerConnectionDelegate)?
    public internal(set) var state: PeerConnectionState = .new
    var statsStorage: PeerConnectionStats
    var negotiator: Negotiator
    let ice: ICETransport
    let dtls: DTLSTransport
    var receiver = RTPReceiver()

    public init(
        role: Role, socket: RTCSocket, configuration: RTCConfiguration,
        delegate: (any PeerConnectionDelegate)?, logger: Logger = Logger(label: "meet.rtc")
    ) {
        let id = RandomString.make(length: 10)
        self.id = id
        self.role = role
        self.socket = socket
        self.configuration = configuration
        self.delegate = delegate
        var logger = logger
        logger[metadataKey: "peer"] = "\(id)"
        self.logger = logger
        self.statsStorage = PeerConnectionStats(id: id, state: "new")
        self.negotiator = Negotiator(role: role)
        self.ice = ICETransport(role: role, socket: socket, configuration: configuration, logger: logger, peerID: id)
        self.dtls = DTLSTransport(ice: ice, configuration: configuration, logger: logger)
        ice.owner = self
        dtls.owner = self
    }

    /// Our ICE credentials (RFC 8445 §5.3: ufrag ≥ 4, pwd ≥ 22 characters);
    /// replaced by an ICE restart (RFC 8839 §4.4.1.1.1), event loop only then.
    public var localUfrag: String { ice.local.ufrag }
    public var localPassword: String { ice.local.password }
    /// Tracks we send (answer/offer `a=ssrc`), event loop only.
    public var localTracks: [LocalTrack] {
        assertOnOwningLoop()
        return negotiator.localTracks
    }
    /// The remote tracks we receive, event loop only.
    public var remoteTracks: [RemoteTrack] {
        assertOnOwningLoop()
        return receiver.tracks
    }
    /// The address ICE selected; media goes there.
    var selectedAddress: SocketAddress? { ice.selectedAddress }
    /// The SRTP keys DTLS installed.
    var srtp: SRTPSession? { dtls.srtp }

    /// The `a=extmap` ids (RFC 8285 §5) of our latest description, per
    /// section in m-line order: the offer awaiting its answer, else the
    /// description last negotiated (an answer keeps the offer's ids, RFC
    /// 8285 §6). Event loop only.
    public var headerExtensionIDs: HeaderExtensionIDs {
        assertOnOwningLoop()
        return negotiator.localHeaderExtensionIDs
    }

    /// The counters and milestones (event loop only).
    public var stats: PeerConnectionStats {
        assertOnOwningLoop()
        var stats = statsStorage
        stats.state = state.description
        ice.report(into: &stats)
        dtls.report(into: &stats)
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
        assertOnOwningLoop()
        guard !state.isTerminal, newState != state else { return }
        state = newState
        logger.debug("state", metadata: ["state": "\(newState)"])
        delegate?.peerConnection(self, didChangeState: newState)
    }

    /// Moves to a terminal state and releases everything the connection holds:
    /// DTLS close_notify, the keys, the ICE agent, every timer, the route.
    func finish(_ terminal: PeerConnectionState) {
        guard !state.isTerminal else { return }
        if case .failed(let stage, let reason) = terminal {
            statsStorage.failure = "\(stage.rawValue): \(reason)"
            logger.warning("peer connection failed", metadata: ["stage": "\(stage.rawValue)", "reason": "\(reason)"])
        }
        dtls.close()
        ice.close()
        socket.unregister(self)
        socket.metrics.peersClosed.increment()
        transition(to: terminal)
        delegate = nil
    }

    func fail(_ stage: PeerConnectionStage, _ reason: String) {
        finish(.failed(stage: stage, reason: reason))
    }
}

extension PeerConnection: TransportOwner {
    var isTerminal: Bool { state.isTerminal }

    func countDrop(_ reason: DropReason) {
        assertOnOwningLoop()
        statsStorage.counters.dropped += 1
        socket.countDrop(reason)
    }

    func transportFailed(_ stage: PeerConnectionStage, _ reason: String) {
        fail(stage, reason)
    }

    func iceTransportConnected() {
        if state == .new { transition(to: .iceConnected) }
        dtls.start()
    }

    func dtlsTransportConnected() {
        transition(to: .connected)
    }

    func dtlsTransportClosedByPeer() {
        finish(.closed(reason: "DTLS close_notify from peer"))
    }
}
