import Logging
import MeetDTLS
import MeetSRTP
import NIOCore

/// The DTLS transport of one peer connection (pion's `DTLSTransport`):
/// drives the sans-I/O `DTLSConnection` (the façade over OpenSSL) over the
/// ``ICETransport``'s selected address, runs its retransmission timer and
/// handshake deadline, and installs the SRTP session from the keys DTLS
/// exports (RFC 5764 §4.2), which the receive path unprotects with.
///
/// Records that arrive before the answer created the handshake (early
/// checks, see `ICETransport+EarlyChecks.swift`) are kept, at most
/// ``maxEarlyRecords``, and fed to it once it exists.
///
/// Event loop only, like the connection that owns it: the socket's loop
/// (``EventLoopConfined``), where the connection calls in and the timers
/// fire; every entry point asserts it (debug builds). `Sendable` only so the
/// timers' closures can hold it weakly.
final class DTLSTransport: EventLoopConfined, @unchecked Sendable {
    let ice: ICETransport
    let socket: RTCSocket
    let configuration: RTCConfiguration
    let logger: Logger
    weak var owner: (any TransportOwner)?

    private(set) var connection: DTLSConnection?
    /// The SRTP keys, once DTLS connected; nil before and after.
    private(set) var srtp: SRTPSession?
    /// DTLS records kept before the answer (bounded).
    private(set) var earlyRecords: [ByteBuffer] = []
    private(set) var recordsIn = 0
    private(set) var recordsOut = 0
    private(set) var isConnected = false
    private(set) var isSRTPReady = false
    /// No DTLS success within `dtlsTimeout`.
    private var deadline = SharedTimer()
    /// Both in the socket's ``LoopTimers``.
    private var retransmitTimer = SharedTimer()

    var eventLoop: any EventLoop { socket.eventLoop }

    /// DTLS records kept before the answer; a ClientHello is one or two.
    static let maxEarlyRecords = 8

    init(ice: ICETransport, configuration: RTCConfiguration, logger: Logger) {
        self.ice = ice
        self.socket = ice.socket
        self.configuration = configuration
        self.logger = logger
    }

    /// Creates the DTLS association for the negotiated role. A server waits for
    /// the ClientHello; a client sends it once ICE has a working pair.
    func make(role: DTLSRole, remoteFingerprints: [DTLSFingerprint]) throws {
        assertOnOwningLoop()
        connection = try DTLSConnection(context: configuration.dtls, role: role, remoteFingerprints: remoteFingerprints)
    }

    /// Its stages and counters for the connection's stats.
    func report(into stats: inout PeerConnectionStats) {
        stats.stages.dtlsConnected = isConnected
        stats.stages.srtpReady = isSRTPReady
        stats.counters.dtlsIn = recordsIn
        stats.counters.dtlsOut = recordsOut
    }

    /// The transports of a first negotiation: the association for the
    /// negotiated role, then ICE with the peer's credentials. When early
    /// checks connected ICE already, DTLS starts at once and replays the
    /// records kept meanwhile; else ICE's deadline runs. Fails the owner
    /// (and throws) when the association cannot be made; false when the
    /// connection ended meanwhile.
    func startNegotiated(role: DTLSRole, remote: TransportModel) throws -> Bool {
        do {
            try make(role: role, remoteFingerprints: remote.fingerprints)
        } catch {
            owner?.transportFailed(.dtls, "\(error)")
            throw error
        }
        ice.start(remote: remote)
        guard let owner, !owner.isTerminal else { return false }
        if ice.isConnected {
            start()
            replayEarly()
        } else {
            ice.armDeadline()
        }
        return true
    }

    /// Starts the handshake (client role) once ICE connected.
    func start() {
        assertOnOwningLoop()
        guard let connection, connection.state == .new else { return }
        if connection.role == .client {
            execute(connection.start(now: .now))
        }
        deadline.schedule(on: socket.timers, in: Duration.nanoseconds(configuration.dtlsTimeout.nanoseconds)) {
            [weak self] in
            guard let self, let owner = self.owner, !owner.isTerminal else { return }
            owner.transportFailed(.dtls, "handshake not finished within \(self.configuration.dtlsTimeout)")
        }
    }

    /// One DTLS record from the validated address.
    func receive(_ datagram: ByteBuffer) {
        assertOnOwningLoop()
        guard let connection else {
            owner?.countDrop(.beforeDTLS)
            return
        }
        recordsIn += 1
        do {
            execute(try connection.receive(datagram, now: .now))
        } catch {
            owner?.countDrop(.dtlsError)
            logger.debug("DTLS record rejected", metadata: ["error": "\(error)"])
        }
    }

    /// Keeps a DTLS record that arrived before the answer (from a validated address).
    func keepEarly(_ datagram: ByteBuffer) {
        assertOnOwningLoop()
        guard earlyRecords.count < Self.maxEarlyRecords else {
            owner?.countDrop(.beforeDTLS)
            return
        }
        earlyRecords.append(datagram)
    }

    /// Feeds the kept records to the handshake the answer created.
    func replayEarly() {
        assertOnOwningLoop()
        let records = earlyRecords
        earlyRecords = []
        for record in records {
            guard let owner, !owner.isTerminal else { return }
            receive(record)
        }
    }

    /// Sends close_notify (when the association is up or coming up), stops
    /// the timers and forgets the keys.
    func close() {
        assertOnOwningLoop()
        if let connection, connection.state == .connected || connection.state == .connecting {
            for case .sendDatagram(let datagram) in connection.close(now: .now) {
                if let address = ice.selectedAddress { socket.send(datagram, to: address) }
            }
        }
        connection = nil
        srtp = nil
        earlyRecords = []
        deadline.release(on: socket.timers)
        retransmitTimer.release(on: socket.timers)
    }

    /// Executes the actions of the DTLS state machine.
    private func execute(_ actions: [DTLSAction]) {
        for action in actions {
            switch action {
            case .sendDatagram(let datagram):
                guard let address = ice.selectedAddress else { continue }
                recordsOut += 1
                socket.send(datagram, to: address)
            case .connected(let keys):
                connected(keys)
            case .applicationData:
                // Data channels (SCTP over DTLS) are not implemented; ignore.
                break
            case .discarded(let reason):
                // RFC 6347 §4.1.2.7: a record that does not parse or
                // authenticate is anyone's to send; drop it, keep the session.
                owner?.countDrop(.dtlsDiscarded)
                logger.debug("DTLS datagram discarded", metadata: ["reason": "\(reason.rawValue)"])
            case .closed:
                owner?.dtlsTransportClosedByPeer()
            case .failed(let error):
                owner?.transportFailed(.dtls, "\(error)")
            }
        }
        armRetransmitTimer()
    }

    private func armRetransmitTimer() {
        guard let next = connection?.nextTimeout, let owner, !owner.isTerminal else {
            retransmitTimer.cancel(on: socket.timers)
            return
        }
        retransmitTimer.schedule(on: socket.timers, at: next) { [weak self] in
            guard let self, let owner = self.owner, !owner.isTerminal, let connection = self.connection else { return }
            self.execute(connection.handleTimeout(now: .now))
        }
    }

    /// The handshake finished and the fingerprint matched: install SRTP keys.
    private func connected(_ keys: DTLSSRTPKeyingMaterial) {
        deadline.cancel(on: socket.timers)
        isConnected = true
        logger.debug("DTLS connected", metadata: ["profile": "\(keys.profile)"])
        do {
            guard let profile = SRTPProfile(rawValue: keys.profile.rawValue) else {
                throw NegotiationError.unsupported("SRTP profile \(keys.profile)")
            }
            srtp = try SRTPSession(
                profile: profile,
                localMasterKey: keys.localMasterKey, localMasterSalt: keys.localMasterSalt,
                remoteMasterKey: keys.remoteMasterKey, remoteMasterSalt: keys.remoteMasterSalt)
        } catch {
            owner?.transportFailed(.srtp, "\(error)")
            return
        }
        isSRTPReady = true
        owner?.dtlsTransportConnected()
    }
}
