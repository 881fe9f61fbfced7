public import MeetSTUN
public import NIOCore

/// A minimal controlling full-ICE agent (RFC 8445 §6–§8) for our own client
/// side (load generator, tests) against an ICE-lite server, as a sans-I/O
/// state machine.
///
/// It checks every remote candidate at once with USE-CANDIDATE,
/// ICE-CONTROLLING and PRIORITY (aggressive nomination, which a lite peer
/// treats as nomination), retransmits each check with a doubling RTO
/// (RFC 8489 §6.2.1), selects the first candidate whose authenticated
/// success response comes from the address checked (RFC 8445 §7.2.5.2.1),
/// then keeps consent fresh with a check every `consentInterval`
/// (RFC 7675 §5.1). No answer for `disconnectedTimeout` → `.disconnected`,
/// for `consentTimeout` → `.failed`.
public struct ICEControllingAgent {
    public struct Configuration: Sendable {
        /// First retransmission timeout of a check; doubles each time.
        public var initialRTO: Duration
        /// Transmissions of one check before it fails (Rc, RFC 8489 §6.2.1).
        public var maxTransmissions: Int
        public var consentInterval: Duration
        public var disconnectedTimeout: Duration
        public var consentTimeout: Duration
        /// PRIORITY sent in checks (RFC 8445 §7.1.1): by default the
        /// peer-reflexive type preference 110 with local preference 65535.
        public var priority: UInt32

        public init(
            initialRTO: Duration = .milliseconds(100),
            maxTransmissions: Int = 7,
            consentInterval: Duration = .seconds(5),
            disconnectedTimeout: Duration = .seconds(10),
            consentTimeout: Duration = .seconds(30),
            priority: UInt32 = 110 << 24 | 65_535 << 8 | 255
        ) {
            self.initialRTO = initialRTO
            self.maxTransmissions = maxTransmissions
            self.consentInterval = consentInterval
            self.disconnectedTimeout = disconnectedTimeout
            self.consentTimeout = consentTimeout
            self.priority = priority
        }
    }

    /// One outstanding request: a connectivity check or a consent check.
    struct Transaction {
        var address: SocketAddress
        var request: ByteBuffer
        var transmissions: Int
        var rto: Duration
        var deadline: ContinuousClock.Instant
        var isConsent: Bool
    }

    /// Replaced by `restart(local:remote:remoteCandidates:now:)`.
    public private(set) var local: ICECredentials
    public private(set) var remote: ICECredentials
    public let tieBreaker: UInt64
    public let configuration: Configuration
    public private(set) var state: ICEConnectionState = .new
    public private(set) var selectedAddress: SocketAddress?
    private var candidates: [SocketAddress]
    private var transactions: [STUNTransactionID: Transaction] = [:]
    private var lastConsent: ContinuousClock.Instant?
    private var nextConsentCheck: ContinuousClock.Instant?
    /// An ICE restart's checks are out; the first success selects again.
    public private(set) var isRestarting = false
    private let allocator = ByteBufferAllocator()

    public init(
        local: ICECredentials,
        remote: ICECredentials,
        remoteCandidates: [SocketAddress],
        tieBreaker: UInt64 = .random(in: 0 ... .max),
        configuration: Configuration = Configuration()
    ) {
        self.local = local
        self.remote = remote
        self.candidates = remoteCandidates
        self.tieBreaker = tieBreaker
        self.configuration = configuration
    }

    /// Sends the first check to every remote candidate.
    public mutating func start(now: ContinuousClock.Instant) -> [ICEAction] {
        guard state == .new else { return [] }
        var actions: [ICEAction] = []
        transition(to: .checking, into: &actions)
        for address in candidates {
            send(check: address, consent: false, now: now, into: &actions)
        }
        if candidates.isEmpty { transition(to: .failed, into: &actions) }
        return actions
    }

    /// The earliest retransmission, consent check or consent deadline.
    public var nextTimeout: ContinuousClock.Instant? {
        guard !state.isTerminal else { return nil }
        var deadlines = transactions.values.map(\.deadline)
        if let next = nextConsentCheck { deadlines.append(next) }
        if let last = lastConsent {
            deadlines.append(last.advanced(by: state == .disconnected ? configuration.consentTimeout : configuration.disconnectedTimeout))
        }
        return deadlines.min()
    }

    /// Handles a STUN message received from `source`.
    public mutating func receive(_ message: STUNMessage, from source: SocketAddress, now: ContinuousClock.Instant) -> [ICEAction] {
        guard !state.isTerminal else { return [.dropped(.terminal)] }
        switch message.type {
        case .bindingSuccess, .bindingError:
            return receiveResponse(message, from: source, now: now)
        case .bindingRequest:
            return answer(message, from: source)
        default:
            return [.dropped(.unexpectedMessage)]
        }
    }

    /// Retransmits due checks, sends consent checks, expires consent.
    public mutating func handleTimeout(now: ContinuousClock.Instant) -> [ICEAction] {
        guard !state.isTerminal else { return [] }
        var actions: [ICEAction] = []
        for (id, var transaction) in transactions where transaction.deadline <= now {
            if transaction.transmissions >= configuration.maxTransmissions || transaction.isConsent {
                // Consent checks are not retransmitted; the next one follows.
                transactions.removeValue(forKey: id)
                continue
            }
            transaction.transmissions += 1
            transaction.rto = transaction.rto * 2
            transaction.deadline = now.advanced(by: transaction.rto)
            transactions[id] = transaction
            actions.append(.send(transaction.request, to: transaction.address))
        }
        if selectedAddress == nil, transactions.isEmpty {
            transition(to: .failed, into: &actions)  // every check timed out
            return actions
        }
        if let last = lastConsent {
            if last.advanced(by: configuration.consentTimeout) <= now {
                transition(to: .failed, into: &actions)
                return actions
            }
            if last.advanced(by: configuration.disconnectedTimeout) <= now {
                transition(to: .disconnected, into: &actions)
            }
        }
        if let next = nextConsentCheck, next <= now, let address = selectedAddress {
            send(check: address, consent: true, now: now, into: &actions)
            nextConsentCheck = now.advanced(by: configuration.consentInterval)
        }
        return actions
    }

    /// ICE restart (RFC 8445 §9; RFC 8839 §4.4.1.1.1): new credentials on
    /// both sides, fresh checks with USE-CANDIDATE to every remote candidate.
    /// The selected address stays in use for media until a new check
    /// succeeds, which selects its address again; consent restarts now
    /// (no success within `consentTimeout` fails the agent).
    public mutating func restart(
        local: ICECredentials, remote: ICECredentials, remoteCandidates: [SocketAddress], now: ContinuousClock.Instant
    ) -> [ICEAction] {
        guard !state.isTerminal else { return [] }
        self.local = local
        self.remote = remote
        candidates = remoteCandidates
        transactions.removeAll()
        isRestarting = true
        nextConsentCheck = nil
        lastConsent = now
        var actions: [ICEAction] = []
        for address in candidates {
            send(check: address, consent: false, now: now, into: &actions)
        }
        return actions
    }

    public mutating func close() -> [ICEAction] {
        var actions: [ICEAction] = []
        transition(to: .closed, into: &actions)
        transactions.removeAll()
        return actions
    }

    // MARK: - Internals

    private mutating func receiveResponse(_ message: STUNMessage, from source: SocketAddress, now: ContinuousClock.Instant) -> [ICEAction] {
        guard let transaction = transactions[message.transactionID] else { return [.dropped(.unknownTransaction)] }
        // Responses are signed with the password of the agent that answers.
        guard message.isIntegrityValid(key: STUNMessage.shortTermKey(password: remote.password)) else {
            return [.dropped(.badIntegrity)]
        }
        // Non-symmetric answers do not validate the pair (RFC 8445 §7.2.5.2.1).
        guard transaction.address == source else { return [.dropped(.unexpectedMessage)] }
        transactions.removeValue(forKey: message.transactionID)
        guard message.type == .bindingSuccess else {
            var actions: [ICEAction] = [.dropped(message.errorCode?.code == 487 ? .roleConflict : .unexpectedMessage)]
            if selectedAddress == nil, !transactions.values.contains(where: { !$0.isConsent }) {
                transition(to: .failed, into: &actions)
            }
            return actions
        }
        var actions: [ICEAction] = []
        lastConsent = now
        if selectedAddress == nil || (isRestarting && !transaction.isConsent) {
            isRestarting = false
            if selectedAddress != source {
                selectedAddress = source
                actions.append(.selectedAddressChanged(source))
            }
            nextConsentCheck = now.advanced(by: configuration.consentInterval)
            // The other checks are moot once one pair is nominated.
            transactions = transactions.filter { $0.value.isConsent }
        }
        transition(to: .connected, into: &actions)
        return actions
    }

    /// A full agent answers the peer's checks too (a lite peer sends none).
    private func answer(_ message: STUNMessage, from source: SocketAddress) -> [ICEAction] {
        guard message.username == "\(local.ufrag):\(remote.ufrag)" else { return [.dropped(.badUsername)] }
        let key = STUNMessage.shortTermKey(password: local.password)
        guard message.isIntegrityValid(key: key) else { return [.dropped(.badIntegrity)] }
        guard let mapped = STUNTransportAddress(source) else { return [.dropped(.unexpectedMessage)] }
        let response = STUNMessage.bindingSuccess(transactionID: message.transactionID, mappedAddress: mapped)
        return [.send(allocator.buffer(bytes: response.encode(integrityKey: key, fingerprint: true)), to: source)]
    }

    private mutating func send(check address: SocketAddress, consent: Bool, now: ContinuousClock.Instant, into actions: inout [ICEAction]) {
        let request = STUNMessage.bindingRequest(
            username: "\(remote.ufrag):\(local.ufrag)", priority: configuration.priority,
            role: .controlling(tieBreaker: tieBreaker), useCandidate: true)
        let key = STUNMessage.shortTermKey(password: remote.password)
        let bytes = allocator.buffer(bytes: request.encode(integrityKey: key, fingerprint: true))
        let rto = consent ? configuration.consentInterval : configuration.initialRTO
        transactions[request.transactionID] = Transaction(
            address: address, request: bytes, transmissions: 1, rto: rto,
            deadline: now.advanced(by: rto), isConsent: consent)
        actions.append(.send(bytes, to: address))
    }

    private mutating func transition(to newState: ICEConnectionState, into actions: inout [ICEAction]) {
        guard state != newState, !state.isTerminal else { return }
        state = newState
        actions.append(.stateChanged(newState))
    }
}
