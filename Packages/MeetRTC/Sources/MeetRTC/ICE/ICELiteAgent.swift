public import MeetSTUN
public import NIOCore

/// The ICE-lite responder of one peer connection (RFC 8445 §2.5, §7.3), as a
/// sans-I/O state machine: feed it the STUN messages that arrive for this
/// connection and the timer, execute the `ICEAction`s it returns.
///
/// A lite agent has only host candidates, is always controlled, sends no
/// checks, and answers the full agent's checks:
/// - a Binding request must carry USERNAME `localUfrag:remoteUfrag` and a
///   MESSAGE-INTEGRITY valid under the local password (RFC 8445 §7.3,
///   RFC 8489 §9.1.3); otherwise 400/401 and a drop;
/// - a valid request validates its source address (only validated addresses
///   may carry media: `isValidated(_:)`) and refreshes consent
///   (RFC 7675 §5.1); it is answered with XOR-MAPPED-ADDRESS = that source;
/// - USE-CANDIDATE from the controlling agent nominates the address and
///   moves the selection there (regular and aggressive nomination alike);
///   a valid request from a new address also takes the selection when the
///   selected one has gone quiet, so a client that changes address is
///   followed;
/// - no valid request for `disconnectedTimeout` → `.disconnected`; for
///   `failedTimeout` (30 s, RFC 7675 §5.1) → `.failed`.
///
/// Early checks (RFC 8445 §7.3, "the agent MAY receive checks before the
/// answer"): when the node offers (a subscriber transport), the client
/// starts checking as soon as it has set our offer and its answer locally,
/// often before the answer reaches us. The agent then starts with
/// `remote == nil` and answers checks whose USERNAME is `localUfrag:<any>`
/// and whose MESSAGE-INTEGRITY is valid under the local password: the
/// password went only to the client in our offer, so the check is
/// authenticated; only its remote half cannot be compared yet. Such checks
/// validate, select and nominate exactly like later ones. The remote ufrag
/// they used is remembered; `learnRemote(_:)` (the answer) compares it, and
/// a client that checked with a ufrag its answer does not carry fails
/// (`.failed`): it is broken or not the client the offer went to.
public struct ICELiteAgent {
    public struct Configuration: Sendable {
        /// Silence after which the state becomes `disconnected`. Chrome
        /// sends consent checks every ~5 s (RFC 7675 §5.1).
        public var disconnectedTimeout: Duration
        /// Silence after which consent expires: `failed`.
        public var failedTimeout: Duration
        /// Validated addresses remembered (oldest forgotten first).
        public var maxValidatedAddresses: Int

        public init(
            disconnectedTimeout: Duration = .seconds(10),
            failedTimeout: Duration = .seconds(30),
            maxValidatedAddresses: Int = 8
        ) {
            self.disconnectedTimeout = disconnectedTimeout
            self.failedTimeout = failedTimeout
            self.maxValidatedAddresses = maxValidatedAddresses
        }
    }

    /// Replaced by `restart(local:remote:now:)`.
    public private(set) var local: ICECredentials
    /// Nil until the answer is applied (early checks, see the type's doc).
    public private(set) var remote: ICECredentials?
    /// The remote ufrag the early checks used, before `remote` was known.
    private var earlyRemoteUfrag = EarlyRemoteUfrag.none
    public let configuration: Configuration
    public private(set) var state: ICEConnectionState = .new
    /// Where media and DTLS go; nil until the first valid check.
    public private(set) var selectedAddress: SocketAddress?
    /// True once the selection came from USE-CANDIDATE.
    public private(set) var isNominated = false
    /// Last valid check per validated address.
    private var lastCheck: [SocketAddress: ContinuousClock.Instant] = [:]
    private var lastValidCheck: ContinuousClock.Instant?
    private let allocator = ByteBufferAllocator()

    /// - Parameter remote: the peer's credentials, or nil while our offer
    ///   awaits its answer (then call `learnRemote(_:)` when it arrives).
    public init(local: ICECredentials, remote: ICECredentials?, configuration: Configuration = Configuration()) {
        self.local = local
        self.remote = remote
        self.configuration = configuration
    }

    /// Whether `address` passed an authenticated check: the only addresses
    /// media or DTLS may be accepted from.
    public func isValidated(_ address: SocketAddress) -> Bool {
        !state.isTerminal && lastCheck[address] != nil
    }

    /// When `handleTimeout(now:)` must run next: the disconnect or failure
    /// deadline of the consent timer. Nil before the first valid check.
    public var nextTimeout: ContinuousClock.Instant? {
        guard let last = lastValidCheck, !state.isTerminal else { return nil }
        return state == .disconnected
            ? last.advanced(by: configuration.failedTimeout)
            : last.advanced(by: configuration.disconnectedTimeout)
    }

    /// Handles a STUN message received from `source` for this connection.
    public mutating func receive(_ message: STUNMessage, from source: SocketAddress, now: ContinuousClock.Instant) -> [ICEAction] {
        guard !state.isTerminal else { return [.dropped(.terminal)] }
        guard message.type == .bindingRequest else {
            // Indications (keepalives) and stray responses need no answer.
            return [.dropped(.unexpectedMessage)]
        }
        if let rejection = check(message) {
            return reject(message, reason: rejection, to: source)
        }
        if remote == nil, let ufrag = message.iceUsernameFragments?.sender {
            // Authenticated early check: remember its remote half for `learnRemote(_:)`.
            earlyRemoteUfrag.record(ufrag)
        }
        guard let mapped = STUNTransportAddress(source) else { return [.dropped(.unexpectedMessage)] }

        var actions: [ICEAction] = []
        let response = STUNMessage.bindingSuccess(transactionID: message.transactionID, mappedAddress: mapped)
        actions.append(.send(encode(response), to: source))
        remember(source, now: now)
        lastValidCheck = now

        let selectedIsQuiet = selectedAddress.flatMap { lastCheck[$0] }.map {
            $0.advanced(by: configuration.disconnectedTimeout) <= now
        } ?? true
        if message.useCandidate {
            isNominated = true
            select(source, into: &actions)
        } else if selectedAddress == nil || (selectedAddress != source && selectedIsQuiet) {
            select(source, into: &actions)
        }
        transition(to: .connected, into: &actions)
        return actions
    }

    /// The answer arrived: from now on checks must carry exactly
    /// `localUfrag:remote.ufrag`. If an early check used another remote
    /// ufrag the agent fails (see the type's doc); otherwise what the early
    /// checks validated and selected stays.
    public mutating func learnRemote(_ remote: ICECredentials) -> [ICEAction] {
        guard !state.isTerminal else { return [] }
        self.remote = remote
        let mismatched = earlyRemoteUfrag.differs(from: remote.ufrag)
        earlyRemoteUfrag = .none
        guard mismatched else { return [] }
        var actions: [ICEAction] = [.dropped(.badUsername)]
        transition(to: .failed, into: &actions)
        return actions
    }

    /// Runs the consent timer.
    public mutating func handleTimeout(now: ContinuousClock.Instant) -> [ICEAction] {
        guard let last = lastValidCheck, !state.isTerminal else { return [] }
        var actions: [ICEAction] = []
        if last.advanced(by: configuration.failedTimeout) <= now {
            transition(to: .failed, into: &actions)
        } else if last.advanced(by: configuration.disconnectedTimeout) <= now {
            transition(to: .disconnected, into: &actions)
        }
        return actions
    }

    /// ICE restart (RFC 8445 §9; RFC 8839 §4.4.1.1.1): checks must use the
    /// new credentials from now on, and checks with the old ones are refused.
    /// The validated addresses and the selection stay, so media keeps
    /// flowing on the old pair until the peer's new checks arrive (which may
    /// move the selection); consent restarts now, so the peer has the whole
    /// `failedTimeout` to check with the new credentials.
    public mutating func restart(local: ICECredentials, remote: ICECredentials, now: ContinuousClock.Instant) {
        guard !state.isTerminal else { return }
        self.local = local
        self.remote = remote
        if lastValidCheck != nil { lastValidCheck = now }
    }

    /// Stops the agent; nothing is validated afterwards.
    public mutating func close() -> [ICEAction] {
        var actions: [ICEAction] = []
        transition(to: .closed, into: &actions)
        return actions
    }

    /// ice-ufrag is at most 256 characters (RFC 8839 §5.4).
    static let maxUfragLength = 256

    // MARK: - Internals

    /// RFC 8445 §7.3 / RFC 8489 §6.3.1 checks, in the order RFC 8489 gives.
    private func check(_ message: STUNMessage) -> ICEDropReason? {
        if !message.unknownComprehensionRequired.isEmpty { return .unknownAttributes }
        if let remote {
            guard message.username == "\(local.ufrag):\(remote.ufrag)" else { return .badUsername }
        } else {
            // Early check: only the local half can be compared (RFC 8445 §7.3).
            guard let fragments = message.iceUsernameFragments, fragments.recipient == local.ufrag,
                  !fragments.sender.isEmpty, fragments.sender.count <= Self.maxUfragLength
            else { return .badUsername }
        }
        guard message.isIntegrityValid(key: STUNMessage.shortTermKey(password: local.password)) else {
            return .badIntegrity
        }
        // A lite agent is always controlled; a peer claiming controlled too
        // cannot be resolved by switching roles (RFC 8445 §6.1.1, §7.3.1.1).
        if message.iceControlled != nil, message.iceControlling == nil { return .roleConflict }
        return nil
    }

    private func reject(_ message: STUNMessage, reason: ICEDropReason, to source: SocketAddress) -> [ICEAction] {
        // Errors to unauthenticated requests carry no MESSAGE-INTEGRITY
        // (RFC 8489 §9.1.3); a role conflict is authenticated.
        let error: STUNMessage
        var key: [UInt8]?
        switch reason {
        case .unknownAttributes:
            error = .bindingError(
                transactionID: message.transactionID, error: .unknownAttribute,
                unknownAttributes: message.unknownComprehensionRequired)
        case .badUsername where message.username == nil, .badIntegrity where message.receivedIntegrity == nil:
            error = .bindingError(transactionID: message.transactionID, error: .badRequest)
        case .roleConflict:
            error = .bindingError(transactionID: message.transactionID, error: .roleConflict)
            key = STUNMessage.shortTermKey(password: local.password)
        default:
            error = .bindingError(transactionID: message.transactionID, error: .unauthorized)
        }
        let bytes = allocator.buffer(bytes: error.encode(integrityKey: key, fingerprint: true))
        return [.send(bytes, to: source), .dropped(reason)]
    }

    private func encode(_ message: STUNMessage) -> ByteBuffer {
        let key = STUNMessage.shortTermKey(password: local.password)
        return allocator.buffer(bytes: message.encode(integrityKey: key, fingerprint: true))
    }

    private mutating func remember(_ address: SocketAddress, now: ContinuousClock.Instant) {
        lastCheck[address] = now
        guard lastCheck.count > max(1, configuration.maxValidatedAddresses) else { return }
        // Forget the quietest address that is not the selected one.
        if let oldest = lastCheck.filter({ $0.key != selectedAddress && $0.key != address })
            .min(by: { $0.value < $1.value })?.key {
            lastCheck.removeValue(forKey: oldest)
        }
    }

    private mutating func select(_ address: SocketAddress, into actions: inout [ICEAction]) {
        guard selectedAddress != address else { return }
        selectedAddress = address
        actions.append(.selectedAddressChanged(address))
    }

    private mutating func transition(to newState: ICEConnectionState, into actions: inout [ICEAction]) {
        guard state != newState, !state.isTerminal else { return }
        state = newState
        actions.append(.stateChanged(newState))
    }
}

/// The remote half of the USERNAME of early checks: a genuine client uses
/// one ufrag, so one value is kept, and a second, different one only marks
/// the checks as inconsistent.
private enum EarlyRemoteUfrag {
    case none
    case one(String)
    /// Early checks used more than one remote ufrag.
    case several

    mutating func record(_ ufrag: String) {
        switch self {
        case .none: self = .one(ufrag)
        case .one(let known) where known != ufrag: self = .several
        case .one, .several: break
        }
    }

    /// True when an early check used a remote ufrag other than `ufrag`.
    func differs(from ufrag: String) -> Bool {
        switch self {
        case .none: false
        case .one(let known): known != ufrag
        case .several: true
        }
    }
}
