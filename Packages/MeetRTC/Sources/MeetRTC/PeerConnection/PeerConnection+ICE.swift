import MeetSTUN
import NIOCore

/// The ICE agent of a connection: H3's sans-I/O `ICELiteAgent` (server) or
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

/// Driving the ICE agent: feed it STUN messages and timer expiries, execute
/// its actions (send, select an address, change state, count a drop).
extension PeerConnection {
    func startICE(remote: TransportModel) {
        let local = ICECredentials(ufrag: localUfrag, password: localPassword)
        let remoteCredentials = ICECredentials(ufrag: remote.iceUfrag, password: remote.icePassword)
        switch role {
        case .server:
            if case .lite(var agent) = ice {
                // Started early by our offer: the answer completes the credentials.
                let actions = agent.learnRemote(remoteCredentials)
                ice = .lite(agent)
                execute(actions)
                return
            }
            ice = .lite(ICELiteAgent(local: local, remote: remoteCredentials, configuration: liteConfiguration))
        case .client:
            let candidates = remote.candidates.compactMap { try? SocketAddress(ipAddress: $0.address, port: $0.port) }
            var agent = ICEControllingAgent(
                local: local, remote: remoteCredentials, remoteCandidates: candidates,
                configuration: .init(
                    consentInterval: .nanoseconds(configuration.consentInterval.nanoseconds),
                    consentTimeout: .nanoseconds(configuration.consentTimeout.nanoseconds)))
            // Responses come from the addresses we check: route them here.
            for address in candidates { socket.bind(address, to: self) }
            let actions = agent.start(now: .now)
            ice = .controlling(agent)
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
    func restartICE(local credentials: ICECredentials, remote: TransportModel) throws {
        guard ice != nil else { throw NegotiationError.wrongState("ICE restart before ICE started") }
        guard socket.rename(self, from: localUfrag, to: credentials.ufrag) else {
            throw NegotiationError.wrongState("ufrag collision on ICE restart")
        }
        logger.debug("ICE restart", metadata: ["oldUfrag": "\(localUfrag)", "ufrag": "\(credentials.ufrag)"])
        localUfrag = credentials.ufrag
        localPassword = credentials.password
        let remoteCredentials = ICECredentials(ufrag: remote.iceUfrag, password: remote.icePassword)
        var actions: [ICEAction] = []
        switch ice {
        case .lite(var agent):
            agent.restart(local: credentials, remote: remoteCredentials, now: .now)
            ice = .lite(agent)
        case .controlling(var agent):
            let candidates = remote.candidates.compactMap { try? SocketAddress(ipAddress: $0.address, port: $0.port) }
            for address in candidates { socket.bind(address, to: self) }
            actions = agent.restart(local: credentials, remote: remoteCredentials, remoteCandidates: candidates, now: .now)
            ice = .controlling(agent)
        case nil:
            break
        }
        execute(actions)
    }

    func receiveSTUN(_ message: STUNMessage, from address: SocketAddress) {
        statsStorage.counters.stunIn += 1
        let actions: [ICEAction]
        switch ice {
        case .lite(var agent):
            actions = agent.receive(message, from: address, now: .now)
            if agent.isValidated(address) { socket.bind(address, to: self) }
            ice = .lite(agent)
        case .controlling(var agent):
            actions = agent.receive(message, from: address, now: .now)
            ice = .controlling(agent)
        case nil:
            countDrop(.badCredentials)
            return
        }
        execute(actions)
    }

    func iceTimerFired() {
        let actions: [ICEAction]
        switch ice {
        case .lite(var agent):
            actions = agent.handleTimeout(now: .now)
            ice = .lite(agent)
        case .controlling(var agent):
            actions = agent.handleTimeout(now: .now)
            ice = .controlling(agent)
        case nil:
            return
        }
        execute(actions)
    }

    func closeICE() {
        switch ice {
        case .lite(var agent): _ = agent.close()
        case .controlling(var agent): _ = agent.close()
        case nil: break
        }
        ice = nil
    }

    func execute(_ actions: [ICEAction]) {
        for action in actions {
            guard !state.isTerminal else { return }
            switch action {
            case .send(let datagram, let address):
                statsStorage.counters.stunOut += 1
                socket.send(datagram, to: address)
            case .selectedAddressChanged(let address):
                logger.debug("ICE selected address", metadata: ["remote": "\(address)"])
                selectedAddress = address
                socket.bind(address, to: self)
            case .stateChanged(let iceState):
                iceStateChanged(iceState)
            case .dropped(let reason):
                switch reason {
                case .badUsername, .badIntegrity, .roleConflict: countDrop(.badCredentials)
                case .terminal: countDrop(.closed)
                default: countDrop(.malformedSTUN)
                }
            }
        }
        armICETimer()
    }

    private func iceStateChanged(_ iceState: ICEConnectionState) {
        logger.debug("ICE state", metadata: ["ice": "\(iceState)"])
        switch iceState {
        case .connected:
            guard !statsStorage.stages.iceConnected else { return }
            cancel(.ice)
            statsStorage.stages.iceConnected = true
            if state == .new { transition(to: .iceConnected) }
            startDTLS()
        case .failed:
            fail(.ice, statsStorage.stages.iceConnected
                 ? "consent expired: no authenticated STUN for \(configuration.consentTimeout)"
                 : "no connectivity check succeeded")
        case .new, .checking, .disconnected, .closed:
            break
        }
    }

    private func armICETimer() {
        guard let deadline = ice?.nextTimeout, !state.isTerminal else {
            cancel(.iceAgent)
            return
        }
        schedule(.iceAgent, in: TimeAmount(ContinuousClock.now.duration(to: deadline)))
    }
}

extension TimeAmount {
    /// A non-negative `TimeAmount` from a `Duration` (negative means "now").
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(max(0, seconds * 1_000_000_000 + attoseconds / 1_000_000_000))
    }
}
