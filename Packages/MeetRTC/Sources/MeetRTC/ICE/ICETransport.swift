import Logging
import MeetDTLS
import MeetSTUN
import NIOCore

/// The ICE agent of a connection: the sans-I/O `ICELiteAgent` (server) or
/// `ICEControllingAgent` (client), whichever the role needs.
enum ICEAgent {
    case lite(ICELiteAgent)
    case controlling(ICEControllingAgent)

    var nextTimeout: ContinuousClock.Instant? {
        switch self {
        case .lite(let agent): agent.nextTimeout
        case .controlling(let agent): agent.nextTimeout
        }
    }
}

/// The ICE transport of one peer connection (pion's `ICETransport`): owns
/// the local credentials, the agent and its timers, and the address ICE
/// selected. It feeds the agent STUN messages and timer expiries and
/// executes its actions: sends on the shared socket, binds validated
/// addresses to the connection's route, counts drops; what changes the
/// connection as a whole (connected, failed) goes to its ``TransportOwner``.
///
/// Event loop only, like the connection that owns it: the socket's loop
/// (``EventLoopConfined``), where the connection calls in and the timers
/// fire; every entry point asserts it (debug builds). `Sendable` only so the
/// timers' closures can hold it weakly.
final class ICETransport: EventLoopConfined, @unchecked Sendable {
    let role: PeerConnection.Role
    let socket: RTCSocket
    let configuration: RTCConfiguration
    let logger: Logger
    /// The owning connection's id, for the socket's log lines.
    let peerID: String
    weak var owner: (any TransportOwner)?

    /// Our ICE credentials (RFC 8445 §5.3: ufrag ≥ 4, pwd ≥ 22 characters);
    /// replaced by an ICE restart (RFC 8839 §4.4.1.1.1).
    private(set) var local: ICECredentials
    /// Its stage and counters for the connection's stats.
    func report(into stats: inout PeerConnectionStats) {
        stats.remoteAddress = selectedAddress.map { "\($0)" }
        stats.stages.iceConnected = isConnected
        stats.counters.stunIn = stunIn
        stats.counters.stunOut = stunOut
    }

    /// Our transport parameters for a local description.
    var localTransport: LocalTransport {
        LocalTransport(
            iceUfrag: local.ufrag, icePassword: local.password, fingerprint: configuration.dtls.certificate.fingerprint,
            candidateIP: configuration.publicIP, candidatePort: socket.localAddress.port ?? 0, iceLite: role == .server)
    }
    /// Set by ``start(remote:)`` or ``startEarly()``; nil after ``close()``.
    var agent: ICEAgent?
    /// The address ICE selected; media and DTLS go there.
    private(set) var selectedAddress: SocketAddress?
    /// True once ICE connected the first time (stats and DTLS start).
    private(set) var isConnected = false
    private(set) var stunIn = 0
    private(set) var stunOut = 0
    /// The agent's own timer (checks, consent), in the socket's ``LoopTimers``.
    private var agentTimer = SharedTimer()
    /// No ICE success within `iceTimeout`.
    private var deadline = SharedTimer()

    init(role: PeerConnection.Role, socket: RTCSocket, configuration: RTCConfiguration, logger: Logger, peerID: String) {
        self.role = role
        self.socket = socket
        self.configuration = configuration
        self.logger = logger
        self.peerID = peerID
        self.local = ICECredentials.random()
    }

    var eventLoop: any EventLoop { socket.eventLoop }

    /// True once an agent runs (from the remote description, or early).
    var isStarted: Bool {
        assertOnOwningLoop()
        return agent != nil
    }

    /// Starts the agent for the remote description's transport. A server
    /// whose agent started early (``startEarly()``) completes its credentials.
    func start(remote: TransportModel) {
        assertOnOwningLoop()
        let remoteCredentials = ICECredentials(ufrag: remote.iceUfrag, password: remote.icePassword)
        switch role {
        case .server:
            if case .lite(var agent) = agent {
                // Started early by our offer: the answer completes the credentials.
                let actions = agent.learnRemote(remoteCredentials)
                self.agent = .lite(agent)
                execute(actions)
                return
            }
            agent = .lite(ICELiteAgent(local: local, remote: remoteCredentials, configuration: liteConfiguration))
        case .client:
            let candidates = Self.addresses(of: remote)
            var agent = ICEControllingAgent(
                local: local, remote: remoteCredentials, remoteCandidates: candidates,
                configuration: .init(
                    consentInterval: .nanoseconds(configuration.consentInterval.nanoseconds),
                    consentTimeout: .nanoseconds(configuration.consentTimeout.nanoseconds)))
            // Responses come from the addresses we check: route them here.
            for address in candidates { bind(address) }
            let actions = agent.start(now: .now)
            self.agent = .controlling(agent)
            execute(actions)
        }
    }

    /// The lite agent's consent timers from `consentTimeout`.
    var liteConfiguration: ICELiteAgent.Configuration {
        let timeout = Duration.nanoseconds(configuration.consentTimeout.nanoseconds)
        return .init(disconnectedTimeout: timeout / 3, failedTimeout: timeout)
    }

    /// ICE restart (RFC 8839 §4.4.1.1.1) with new local credentials and the
    /// peer's new ones: the socket routes the new ufrag instead of the old,
    /// the agent checks (client) or accepts (server) only the new
    /// credentials, and media keeps flowing on the selected address meanwhile.
    func restart(local credentials: ICECredentials, remote: TransportModel) throws(NegotiationError) {
        assertOnOwningLoop()
        guard agent != nil else { throw .wrongState("ICE restart before ICE started") }
        guard socket.rename(ufrag: local.ufrag, to: credentials.ufrag) else {
            throw .wrongState("ufrag collision on ICE restart")
        }
        logger.debug("ICE restart", metadata: ["oldUfrag": "\(local.ufrag)", "ufrag": "\(credentials.ufrag)"])
        local = credentials
        let remoteCredentials = ICECredentials(ufrag: remote.iceUfrag, password: remote.icePassword)
        var actions: [ICEAction] = []
        switch agent {
        case .lite(var agent):
            agent.restart(local: credentials, remote: remoteCredentials, now: .now)
            self.agent = .lite(agent)
        case .controlling(var agent):
            let candidates = Self.addresses(of: remote)
            for address in candidates { bind(address) }
            actions = agent.restart(local: credentials, remote: remoteCredentials, remoteCandidates: candidates, now: .now)
            self.agent = .controlling(agent)
        case nil:
            break
        }
        execute(actions)
    }

    /// One STUN message routed to this connection (by address or ufrag).
    func receive(_ message: STUNMessage, from address: SocketAddress) {
        assertOnOwningLoop()
        stunIn += 1
        let actions: [ICEAction]
        switch agent {
        case .lite(var agent):
            actions = agent.receive(message, from: address, now: .now)
            if agent.isValidated(address) { bind(address) }
            self.agent = .lite(agent)
        case .controlling(var agent):
            actions = agent.receive(message, from: address, now: .now)
            self.agent = .controlling(agent)
        case nil:
            owner?.countDrop(.badCredentials)
            return
        }
        execute(actions)
    }

    /// DTLS from a validated address before ICE selected one: DTLS answers there.
    func selectIfNone(_ address: SocketAddress) {
        assertOnOwningLoop()
        if selectedAddress == nil { selectedAddress = address }
    }

    /// Runs the connectivity deadline: no authenticated check within
    /// `iceTimeout` fails the connection.
    func armDeadline() {
        assertOnOwningLoop()
        deadline.schedule(on: socket.timers, in: Duration.nanoseconds(configuration.iceTimeout.nanoseconds)) {
            [weak self] in
            guard let self, let owner = self.owner, !owner.isTerminal else { return }
            owner.transportFailed(.ice, "no authenticated connectivity check within \(self.configuration.iceTimeout)")
        }
    }

    /// Stops the agent and its timers (the connection ends).
    func close() {
        assertOnOwningLoop()
        switch agent {
        case .lite(var agent): _ = agent.close()
        case .controlling(var agent): _ = agent.close()
        case nil: break
        }
        agent = nil
        agentTimer.release(on: socket.timers)
        deadline.release(on: socket.timers)
    }

    private func timerFired() {
        let actions: [ICEAction]
        switch agent {
        case .lite(var agent):
            actions = agent.handleTimeout(now: .now)
            self.agent = .lite(agent)
        case .controlling(var agent):
            actions = agent.handleTimeout(now: .now)
            self.agent = .controlling(agent)
        case nil:
            return
        }
        execute(actions)
    }

    private func execute(_ actions: [ICEAction]) {
        for action in actions {
            guard let owner, !owner.isTerminal else { return }
            switch action {
            case .send(let datagram, let address):
                stunOut += 1
                socket.send(datagram, to: address)
            case .selectedAddressChanged(let address):
                logger.debug("ICE selected address", metadata: ["remote": "\(address)"])
                selectedAddress = address
                bind(address)
            case .stateChanged(let iceState):
                stateChanged(iceState)
            case .dropped(let reason):
                switch reason {
                case .badUsername, .badIntegrity, .roleConflict: owner.countDrop(.badCredentials)
                case .terminal: owner.countDrop(.closed)
                default: owner.countDrop(.malformedSTUN)
                }
            }
        }
        armAgentTimer()
    }

    private func stateChanged(_ iceState: ICEConnectionState) {
        logger.debug("ICE state", metadata: ["ice": "\(iceState)"])
        switch iceState {
        case .connected:
            guard !isConnected else { return }
            deadline.cancel(on: socket.timers)
            isConnected = true
            owner?.iceTransportConnected()
        case .failed:
            owner?.transportFailed(.ice, isConnected
                ? "consent expired: no authenticated STUN for \(configuration.consentTimeout)"
                : "no connectivity check succeeded")
        case .new, .checking, .disconnected, .closed:
            break
        }
    }

    /// Schedules (or moves) the agent's timer in the socket's
    /// ``LoopTimers``: the lite agent's consent deadline moves later on
    /// every valid check, an O(log n) move in the loop's queue with no NIO
    /// task cancelled or scheduled (docs/dev/sfu-idle.md, item 3).
    private func armAgentTimer() {
        guard let deadline = agent?.nextTimeout, let owner, !owner.isTerminal else {
            agentTimer.cancel(on: socket.timers)
            return
        }
        agentTimer.schedule(on: socket.timers, at: deadline) { [weak self] in
            guard let self, let owner = self.owner, !owner.isTerminal else { return }
            self.timerFired()
        }
    }

    private func bind(_ address: SocketAddress) {
        socket.bind(address, toUfrag: local.ufrag, peerID: peerID)
    }

    private static func addresses(of remote: TransportModel) -> [SocketAddress] {
        remote.candidates.compactMap { try? SocketAddress(ipAddress: $0.address, port: $0.port) }
    }
}
