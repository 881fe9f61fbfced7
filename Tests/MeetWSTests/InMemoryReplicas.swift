import Foundation
import Logging
import MeetBus
import MeetCore
import MeetProtocol
import NIOConcurrencyHelpers
@testable import MeetWS

/// Two (or more) meet-ws "replicas" in one process: real hubs, sessions and
/// signaling buses over MeetBus's endpoints on one in-memory transport
/// (``SettlingBusTransport``, shared with the fake SFU nodes), an in-memory presence
/// store on a manual clock, and an in-memory participant store. No sockets,
/// no Redis, no PostgreSQL: the adapters are swapped, the logic is the
/// production one.
///
/// ``settle(timeout:)`` waits until everything queued has been processed,
/// detached work included (best-effort requests to lost nodes), so a test
/// asserts that nothing happened without sleeping.
final class InMemoryReplicas: Sendable {
    let ledger = SettleLedger()
    let transport: SettlingBusTransport
    /// Every session's mailbox, and whether its `run()` has returned.
    private let sessions = NIOLockedValueBox<[(mailbox: SessionMailbox, done: NIOLockedValueBox<Bool>)]>([])
    let clock = NIOLockedValueBox<Int64>(1_000_000)
    let presence: InMemoryPresenceStore
    let participants = InMemoryParticipantStore()
    /// Polls and Q&A, shared by the replicas as PostgreSQL is.
    let engagement = InMemoryEngagementStore()
    /// One whiteboard authority for every replica, as the PostgreSQL row is.
    let whiteboard = InMemoryWhiteboardStore()
    /// Breakout plans, shared by the replicas as PostgreSQL is.
    let breakouts = InMemoryBreakoutStore()
    /// Where the replicas' talk time goes (in memory unless a test passes PostgreSQL's).
    let talkTime: any TalkTimeStore
    let registry = InMemorySFURegistry()
    let replicas: [SignalingServices]
    /// The replicas' Redis key prefix (for a test that gives them a Redis presence store).
    let keys: SignalingKeys
    private let tasks: NIOLockedValueBox<[Task<Void, Never>]> = NIOLockedValueBox([])

    /// `sfuTimeout` is generous by default: on a loaded 2-core machine a fake
    /// node's answer over the in-memory bus can take seconds. `presence`,
    /// when given, makes each replica's presence store (one per replica, as
    /// in production: the Redis store keeps a ledger of its own sockets)
    /// instead of the shared in-memory ``presence``.
    init(
        count: Int, placementHints: Bool = false, sfuTimeout: Duration = .seconds(10), turn: TURNConfiguration = .disabled,
        presenceTTL: Duration = .seconds(15), presence makePresence: (@Sendable (SignalingKeys) -> any PresenceStore)? = nil,
        talkTime: (any TalkTimeStore)? = nil, sfuMaxInFlight: Int = 512
    ) async throws {
        self.talkTime = talkTime ?? InMemoryTalkTimeStore()
        let clock = self.clock
        self.presence = InMemoryPresenceStore(nowMs: { clock.withLockedValue { $0 } })
        let keys = SignalingKeys(prefix: "unit-\(UUID().uuidString.prefix(6))")
        self.keys = keys
        self.transport = SettlingBusTransport(ledger: self.ledger) { channel, payload in
            if channel.hasPrefix(keys.prefix + BusChannel.room("")) { return .untilNextRead }
            guard channel.hasPrefix(keys.inbox("")),
                  let header = try? JSONDecoder().decode(BusEnvelopeHeader.self, from: Data(payload)),
                  header.kind == .event, header.type == SignalingBus.inboxType
            else { return .none }
            return .untilConsumed
        }
        var replicas: [SignalingServices] = []
        var tasks: [Task<Void, Never>] = []
        var endpoints: [BusEndpoint] = []
        for index in 0..<count {
            let replicaId = "r\(index)"
            let logger = Logger(label: "test.\(replicaId)")
            let endpoint = BusEndpoint(inbox: keys.inbox(replicaId), transport: self.transport, logger: logger)
            endpoints.append(endpoint)
            tasks.append(Task { try? await endpoint.run() })
            let bus = SignalingBus(bus: endpoint, keys: keys, logger: logger)
            var configuration = WSConfiguration(
                core: CoreConfiguration(
                    mode: .development, logging: LoggingConfiguration(),
                    database: try DatabaseConfiguration(url: "postgres://unused@127.0.0.1/unused"),
                    redisURL: "redis://127.0.0.1", jwt: try JWTConfiguration(secret: String(repeating: "k", count: 32))),
                replicaId: replicaId)
            configuration.resumeGrace = .seconds(20)
            configuration.presenceTTL = presenceTTL
            configuration.turn = turn
            let metrics = WSMetrics()
            let sfu = SFUGateway(
                bus: endpoint, registry: self.registry,
                placement: SFUPlacement(staleAfterMs: 3000, hintsEnabled: placementHints), timeout: sfuTimeout,
                metrics: metrics, logger: logger, nowMs: { clock.withLockedValue { $0 } }, maxInFlight: sfuMaxInFlight,
                detached: self.ledger.detachedWork)
            let services = SignalingServices(
                configuration: configuration, hub: SignalingHub(replicaId: replicaId, bus: bus, metrics: metrics, logger: logger),
                bus: bus, presence: makePresence?(keys) ?? self.presence, participants: self.participants, sfu: sfu, metrics: metrics, logger: logger,
                engagement: self.engagement,
                whiteboard: self.whiteboard, breakouts: self.breakouts, talkTime: self.talkTime)
            // Subscribed before any session runs: no instruction is sent to nobody.
            let inbox = try await bus.subscribe(inbox: replicaId)
            let ledger = self.ledger
            tasks.append(Task {
                for await message in inbox.messages {
                    await services.hub.route(inbox: message)
                    ledger.done()
                }
            })
            let events = try await sfu.events()
            tasks.append(Task {
                let router = SFUEventRouter(services: services)
                for await event in events.messages {
                    await router.handle(event)
                    ledger.done()
                }
            })
            replicas.append(services)
        }
        self.replicas = replicas
        self.tasks.withLockedValue { $0 = tasks }
        for endpoint in endpoints { try await endpoint.waitUntilReady() }
    }

    /// A fake SFU node on the same in-memory bus, registered as serving now.
    func addNode(_ id: String, port: Int = 10000, transports: Int = 0) async throws -> FakeNode {
        let endpoint = BusEndpoint(inbox: BusChannel.sfuInbox(nodeId: id), transport: self.transport, logger: Logger(label: "test.\(id)"))
        let task = Task<Void, Never> { try? await endpoint.run() }
        self.tasks.withLockedValue { $0.append(task) }
        try await endpoint.waitUntilReady()
        let (transport, ledger) = (self.transport, self.ledger)
        // Each event goes to every replica's SFU event router, which counts it done.
        let node = FakeNode(id: id, bus: endpoint) { ledger.sent(transport.subscriberCount(SFUEventChannel.events)) }
        self.registry.set(node.record(port: port, transports: transports, nowMs: self.clock.withLockedValue { $0 }))
        return node
    }

    /// Rewrites a node's registry record as of now (its heartbeat), in `state`.
    func heartbeat(_ node: FakeNode, state: SFUNodeState = .serving, port: Int = 10000, transports: Int = 0) {
        self.registry.set(node.record(port: port, state: state, transports: transports, nowMs: self.clock.withLockedValue { $0 }))
    }

    /// Runs one round of replica `index`'s node watcher.
    func watch(on index: Int) async {
        await NodeWatcher(services: self.replicas[index]).round()
    }

    /// Runs one active-speaker round on replica `index`, as its
    /// ``ActiveSpeakerService`` would every interval.
    func speakers(on index: Int) async {
        await self.replicas[index].sendActiveSpeakers()
    }

    func advance(by duration: Duration) {
        self.clock.withLockedValue { $0 += duration.milliseconds }
    }

    /// Runs one sweep on replica `index`, as its maintenance loop would.
    func sweep(on index: Int) async throws {
        try await PresenceMaintenance(services: self.replicas[index]).sweep()
    }

    /// Runs one heartbeat on replica `index`.
    func heartbeat(on index: Int) async throws {
        try await PresenceMaintenance(services: self.replicas[index]).heartbeat()
    }

    /// Opens a "socket" for a new participant of `meetingId` on replica `replica`.
    func connect(
        replica: Int, meetingId: UUID, participantId: UUID = UUID(), role: MemberRole = .attendee,
        status: ParticipantStatus = .joining, name: String, userId: UUID? = nil
    ) async -> FakeSocket {
        await self.participants.add(participantId, meetingId: meetingId, status: status, role: role)
        let identity = SessionIdentity(
            meetingId: meetingId, meetingCode: "unit-test", participantId: participantId, role: role, displayName: name,
            userId: userId)
        let socket = FakeSocket(name: name)
        let session = Session(identity: identity, services: self.replicas[replica], writer: socket)
        socket.mailbox = session.mailbox
        let done = NIOLockedValueBox(false)
        self.sessions.withLockedValue { $0.append((session.mailbox, done)) }
        let task = Task {
            await session.run()
            done.withLockedValue { $0 = true }
        }
        self.tasks.withLockedValue { $0.append(task) }
        return socket
    }

    /// ``connect(replica:meetingId:participantId:role:status:name:userId:)``, then `join`, answered `joined`.
    func joined(
        replica: Int, meetingId: UUID, participantId: UUID = UUID(), role: MemberRole = .attendee, name: String
    ) async throws -> FakeSocket {
        let socket = await self.connect(replica: replica, meetingId: meetingId, participantId: participantId, role: role, name: name)
        await socket.send(.join, id: "j")
        try await socket.waitFor("joined")
        return socket
    }

    /// Waits until every bus message sent so far, and everything it caused,
    /// has been handled: nothing in flight on the bus or in detached work
    /// (a request to a hung node counts until it times out), every session waiting
    /// for input with none queued (or ended). A test then asserts that
    /// something did *not* happen without a sleep. Throws after `timeout`
    /// (a session waiting on a node that never answers, say).
    func settle(timeout: Duration = .seconds(15)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            // The idle checks between two equal readings of the move counters
            // saw one consistent state: nothing moved while they ran.
            let before = self.moves()
            if self.idle(), self.moves() == before { return }
            await Task.yield()
            try await Task.sleep(for: .milliseconds(1))
        }
        throw ClusterError("the cluster did not settle within \(timeout) (in flight: \(self.ledger.snapshot.inFlight))")
    }

    private func moves() -> [Int] {
        let sessions = self.sessions.withLockedValue { $0 }
        return [self.ledger.snapshot.moves, sessions.count]
            + sessions.map { $0.mailbox.activity.moves + ($0.done.withLockedValue { $0 } ? 1 : 0) }
    }

    /// Nothing in flight on the bus; every session waits for input with
    /// none queued, or has returned (a finished mailbox whose session has
    /// not returned yet is still cleaning up).
    private func idle() -> Bool {
        guard self.ledger.snapshot.inFlight == 0 else { return false }
        return self.sessions.withLockedValue { $0 }.allSatisfy { session in
            let activity = session.mailbox.activity
            return session.done.withLockedValue { $0 } || (activity.waiting && !activity.finished)
        }
    }

    func stop() {
        for task in self.tasks.withLockedValue({ $0 }) { task.cancel() }
    }
}

/// ``ParticipantStore`` in memory, for unit tests.
actor InMemoryParticipantStore: ParticipantStore {
    private var rows: [UUID: (meetingId: UUID, status: ParticipantStatus, role: MemberRole)] = [:]
    private var ended: Set<UUID> = []
    /// Capacity by meeting (none when absent), as `meetings.capacity`.
    private var capacities: [UUID: Int] = [:]
    private(set) var bans: [UUID] = []
    /// Kicks recorded, each one call (one transaction in PostgreSQL).
    private(set) var kicks: [UUID] = []
    /// How often ``standing(participantId:)`` was read.
    private(set) var standingReads = 0
    private(set) var chats: [ChatMessage] = []
    private(set) var sfuNodes: [UUID: String] = [:]

    func markPublishing(participantId: UUID, nodeId: String?) { self.sfuNodes[participantId] = nodeId }

    func add(_ id: UUID, meetingId: UUID, status: ParticipantStatus, role: MemberRole = .attendee) {
        self.rows[id] = (meetingId, status, role)
    }
    func status(_ id: UUID) -> ParticipantStatus? { self.rows[id]?.status }
    /// A membership change, as meet-api's member routes make it.
    func setRole(_ id: UUID, _ role: MemberRole) { self.rows[id]?.role = role }
    func setCapacity(_ capacity: Int?, meetingId: UUID) { self.capacities[meetingId] = capacity }

    func standing(participantId: UUID) -> ParticipantStanding? {
        self.standingReads += 1
        guard let row = self.rows[participantId] else { return nil }
        return ParticipantStanding(
            meetingId: row.meetingId, status: row.status,
            meetingStatus: self.ended.contains(row.meetingId) ? .ended : .active, role: row.role)
    }

    /// The rule of the PostgreSQL adapter, minus the waiting room's membership check.
    func takeSeat(participantId: UUID, meetingId: UUID, replicaId: String?, admitting: Bool) -> SeatOutcome {
        guard let row = self.rows[participantId], row.meetingId == meetingId else { return .unknown }
        guard !self.ended.contains(meetingId) else { return .ended }
        switch (row.status, admitting) {
        case (.joined, false): return .joined(row.role)
        case (.waiting, false): return .waiting(row.role)
        case (.joining, false), (.waiting, true):
            if let capacity = self.capacities[meetingId], !row.role.canManage {
                let seated = self.rows.filter { $0.key != participantId && $0.value.meetingId == meetingId && $0.value.status == .joined }
                guard seated.count < capacity else {
                    if !admitting { self.rows[participantId]?.status = .left }
                    return .full
                }
            }
            self.rows[participantId]?.status = .joined
            return .joined(row.role)
        default:
            return .gone
        }
    }

    func kick(participantId: UUID, by: UUID) {
        self.kicks.append(participantId)
        self.markGone(participantId: participantId, status: .kicked)
        self.bans.append(participantId)
    }

    func markGone(participantId: UUID, status: ParticipantStatus) {
        self.sfuNodes[participantId] = nil
        if let row = self.rows[participantId], row.status.isLive { self.rows[participantId]?.status = status }
    }

    func saveChat(meetingId: UUID, participant: ParticipantInfo, body: String, to recipient: ChatRecipient?, attachment: UUID?) -> ChatMessage {
        let message = ChatMessage(
            id: String(self.chats.count + 1), participantId: participant.id, userId: participant.userId,
            displayName: participant.displayName, body: body, createdAt: Date(), to: recipient)
        self.chats.append(message)
        self.undelivered.append((meetingId, message))
        return message
    }

    /// The chat outbox, as the PostgreSQL adapter keeps it (without ages or lease expiry).
    private(set) var undelivered: [(meetingId: UUID, message: ChatMessage)] = []
    private var leased: Set<String> = []
    /// How often the outbox was polled.
    private(set) var outboxClaims = 0

    func chatsDelivered(ids: [String]) {
        self.undelivered.removeAll { ids.contains($0.message.id) }
        self.leased.subtract(ids)
    }

    func claimUndeliveredChats(minAge: Duration, lease: Duration, limit: Int) -> [(meetingId: UUID, message: ChatMessage)] {
        self.outboxClaims += 1
        let claimed = Array(self.undelivered.filter { !self.leased.contains($0.message.id) }.prefix(limit))
        self.leased.formUnion(claimed.map(\.message.id))
        return claimed
    }

    func releaseChats(ids: [String]) { self.leased.subtract(ids) }

    func endMeeting(meetingId: UUID) { self.ended.insert(meetingId) }
}

/// A socket as the session sees it: records frames and the close code;
/// `send(_:)` plays the client.
final class FakeSocket: SocketWriter, @unchecked Sendable {
    let name: String
    var mailbox: SessionMailbox?
    private let state = NIOLockedValueBox<(frames: [ServerEnvelope], closeCode: UInt16?)>(([], nil))

    init(name: String) { self.name = name }

    func send(text: String) async throws {
        let frame = try SignalingCodec.decodeServer(Data(text.utf8))
        self.state.withLockedValue { $0.frames.append(frame) }
    }

    func close(code: UInt16, reason: String) async throws {
        self.state.withLockedValue { $0.closeCode = code }
    }

    /// Sends a frame as the socket reader does (waiting while the session's frame queue is full).
    func send(_ message: ClientMessage, id: String? = nil) async {
        await self.mailbox?.send(frame: Array(SignalingCodec.encode(ClientEnvelope(id: id, message)).utf8))
    }

    /// The client's connection dropped.
    func drop() { self.mailbox?.deliver(.socketClosed) }

    var closeCode: UInt16? { self.state.withLockedValue { $0.closeCode } }
    var types: [String] { self.state.withLockedValue { $0.frames.map(\.message.type) } }
    var frames: [ServerEnvelope] { self.state.withLockedValue { $0.frames } }

    /// Waits (up to 15 s: generous for a loaded machine) for a frame of `type`
    /// (matching `predicate`) and returns it.
    @discardableResult
    func waitFor(_ type: String, where predicate: (ServerEnvelope) -> Bool = { _ in true }) async throws -> ServerEnvelope {
        for _ in 0..<1500 {
            if let frame = self.frames.first(where: { $0.message.type == type && predicate($0) }) { return frame }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw ClusterError("\(self.name): no \(type) frame among \(self.types)")
    }

    /// Waits (up to 15 s) until `count` frames have arrived; returns them all.
    @discardableResult
    func waitFor(_ count: Int) async throws -> [ServerEnvelope] {
        for _ in 0..<1500 {
            let frames = self.frames
            if frames.count >= count { return frames }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw ClusterError("\(self.name): expected \(count) frames, have \(self.types)")
    }
}
