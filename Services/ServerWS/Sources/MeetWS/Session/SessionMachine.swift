public import Foundation
public import MeetProtocol

/// The rules of one socket, sans I/O: which messages are allowed in which
/// state and role, the rate limit, and which room events reach it.
///
/// ``Session`` feeds it frames and outcomes and executes what it decides;
/// the machine never touches a socket, Redis or the database, so every
/// rule is unit-tested with a fake clock.
///
/// ```
///  connected ──join──► joining ──► joined ◄──admit── waiting
///                         └──────────────────────────►┘
///  any ──leave / kicked / denied / ended / replaced / socket closed──► closed
/// ```
public struct SessionMachine: Sendable {
    public enum State: Sendable, Equatable {
        /// Socket open, `join` not sent yet.
        case connected
        /// `join` is being executed.
        case joining
        /// In the waiting room.
        case waiting
        /// In the room.
        case joined
        /// Done; nothing more is sent or executed.
        case closed
    }

    /// What to do with one inbound frame.
    public enum Decision: Sendable, Equatable {
        /// Answer right away (an error, or `pong`); nothing else happens.
        case reply(ServerEnvelope)
        /// Execute the request (it passed every check).
        case execute(ClientEnvelope)
        /// Drop silently (the session is closing).
        case ignore
    }

    /// Who the socket speaks for. The role starts as the token's hint and
    /// follows PostgreSQL (``updateRole(_:)``); it only gates cheaply here,
    /// since every host control is checked against PostgreSQL again.
    public private(set) var identity: SessionIdentity
    public private(set) var state: State = .connected
    private var bucket: TokenBucket
    /// Reactions have a bucket of their own (``ReactionSend/burst``, ``ReactionSend/perSecond``).
    private var reactions: TokenBucket
    /// Polls and Q&A have one too (``EngagementLimits/burst``, ``EngagementLimits/perSecond``).
    private var engagement: TokenBucket
    /// Whiteboard ops too (``WhiteboardOp/burst``, ``WhiteboardOp/perSecond``).
    private var whiteboardOps: TokenBucket
    /// And whiteboard syncs (``WhiteboardSyncRequest/burst``, ``WhiteboardSyncRequest/perSecond``).
    private var whiteboardSyncs: TokenBucket
    /// And breakout requests (``BreakoutLimits/burst``, ``BreakoutLimits/perSecond``).
    private var breakouts: TokenBucket

    public init(identity: SessionIdentity, ratePerSecond: Int, burst: Int, now: ContinuousClock.Instant) {
        self.identity = identity
        self.bucket = TokenBucket(ratePerSecond: ratePerSecond, burst: burst, now: now)
        self.reactions = TokenBucket(ratePerSecond: ReactionSend.perSecond, burst: ReactionSend.burst, now: now)
        self.engagement = TokenBucket(ratePerSecond: EngagementLimits.perSecond, burst: EngagementLimits.burst, now: now)
        self.whiteboardOps = TokenBucket(ratePerSecond: WhiteboardOp.perSecond, burst: WhiteboardOp.burst, now: now)
        self.whiteboardSyncs = TokenBucket(
            ratePerSecond: WhiteboardSyncRequest.perSecond, burst: WhiteboardSyncRequest.burst, now: now)
        self.breakouts = TokenBucket(ratePerSecond: BreakoutLimits.perSecond, burst: BreakoutLimits.burst, now: now)
    }

    /// Decides what to do with one text frame.
    public mutating func receive(_ frame: some DataProtocol, now: ContinuousClock.Instant) -> Decision {
        guard self.state != .closed else { return .ignore }
        let envelope: ClientEnvelope
        do {
            envelope = try SignalingCodec.decodeClient(frame)
        } catch {
            // Bad frames count against the rate too, so garbage cannot flood us.
            _ = self.bucket.take(now: now)
            return .reply(ServerEnvelope(id: error.id, .error(error.error)))
        }
        guard self.bucket.take(now: now) else {
            return Self.error(envelope.id, .rateLimited, "too many messages; slow down")
        }
        return self.check(envelope, now: now)
    }

    private mutating func check(_ envelope: ClientEnvelope, now: ContinuousClock.Instant) -> Decision {
        let id = envelope.id
        switch envelope.message {
        case .ping(let data):
            return .reply(ServerEnvelope(id: id, .pong(data)))
        case .leave:
            return .execute(envelope)
        case .join:
            switch self.state {
            case .connected:
                self.state = .joining
                return .execute(envelope)
            case .joining, .waiting, .joined:
                return Self.error(id, .alreadyJoined, "this socket has already sent join")
            case .closed:
                return .ignore
            }
        default:
            break
        }
        switch self.state {
        case .connected, .joining:
            return Self.error(id, .notJoined, "send join first")
        case .waiting:
            return Self.error(id, .waiting, "waiting for a host to admit you")
        case .closed:
            return .ignore
        case .joined:
            break
        }
        if self.identity.isRecorder, !Self.recorderMayUse(envelope.message) {
            return Self.error(id, .forbidden, "a recorder seat only subscribes")
        }
        if envelope.message.requiresHost, !self.identity.isHost {
            return Self.error(id, .forbidden, "only hosts may \(envelope.message.type)")
        }
        switch envelope.message {
        case .chat(let chat):
            let trimmed = chat.body.trimmingCharacters(in: .whitespacesAndNewlines)
            // A file may go alone (an empty body); text alone may not be blank.
            guard !trimmed.isEmpty || chat.attachmentId != nil, chat.body.count <= ChatSend.maxLength else {
                return Self.error(id, .invalidData, "chat body must be 1 to \(ChatSend.maxLength) characters")
            }
            if chat.toParticipantId != nil, chat.toHosts == true {
                return Self.error(id, .invalidData, "chat: toParticipantId or toHosts, not both")
            }
            if chat.toParticipantId == self.identity.participantId {
                return Self.error(id, .invalidData, "chat: cannot send a private message to yourself")
            }
        case .engagement:
            guard self.engagement.take(now: now) else {
                return Self.error(
                    id, .rateLimited,
                    "too many poll and Q&A actions: \(EngagementLimits.burst) at once, then \(EngagementLimits.perSecond) a second")
            }
        case .breakout(let command):
            if let problem = command.problem { return Self.error(id, .invalidData, problem) }
            guard self.breakouts.take(now: now) else {
                return Self.error(
                    id, .rateLimited, "too many breakout requests: \(BreakoutLimits.burst) at once, then \(BreakoutLimits.perSecond) a second")
            }
        case .reaction(let reaction):
            guard ReactionSend.isValid(reaction.emoji) else {
                return Self.error(id, .invalidData, "reaction: emoji must be one emoji (at most \(ReactionSend.maxBytes) bytes)")
            }
            guard self.reactions.take(now: now) else {
                return Self.error(
                    id, .rateLimited, "too many reactions: \(ReactionSend.burst) at once, then \(ReactionSend.perSecond) a second")
            }
        case .whiteboardOp(let op):
            if let problem = op.problem { return Self.error(id, .invalidData, problem) }
            guard self.whiteboardOps.take(now: now) else {
                return Self.error(
                    id, .rateLimited, "too many whiteboard ops: \(WhiteboardOp.burst) at once, then \(WhiteboardOp.perSecond) a second")
            }
        case .whiteboardSync(let request):
            if (request.since ?? 0) < 0 { return Self.error(id, .invalidData, "whiteboard-sync: since must be a seq (0 or more)") }
            guard self.whiteboardSyncs.take(now: now) else {
                return Self.error(
                    id, .rateLimited,
                    "too many whiteboard syncs: \(WhiteboardSyncRequest.burst) at once, then \(WhiteboardSyncRequest.perSecond) a second")
            }
        case .mute(let command) where command.participantId == self.identity.participantId:
            return Self.error(id, .invalidData, "cannot target yourself")
        case .kick(let command) where command.participantId == self.identity.participantId:
            return Self.error(id, .invalidData, "cannot target yourself")
        case .subscribe(let request) where request.participantId == self.identity.participantId:
            return Self.error(id, .invalidData, "cannot subscribe to yourself")
        case .publish(let request) where self.identity.e2ee && request.e2ee != true:
            return Self.error(id, .e2eeRequired, "this meeting is end-to-end encrypted: publish with e2ee true, from a client that encrypts")
        case .subscribe(let request) where self.identity.e2ee && request.e2ee != true:
            return Self.error(
                id, .e2eeRequired, "this meeting is end-to-end encrypted: subscribe with e2ee true, from a client that decrypts")
        default:
            if let problem = Self.mediaProblem(envelope.message) { return Self.error(id, .invalidData, problem) }
        }
        return .execute(envelope)
    }

    /// What a recorder's hidden seat may send once joined: subscriptions only
    /// (no publication, chat, hand or host control that would show it).
    static func recorderMayUse(_ message: ClientMessage) -> Bool {
        switch message {
        case .subscribe, .subscribeAnswer, .unsubscribe: true
        default: false
        }
    }

    /// What is wrong with the fields of a media message, if anything: SDP
    /// present and bounded, ids short and non-empty.
    static func mediaProblem(_ message: ClientMessage) -> String? {
        func sdp(_ text: String, _ name: String) -> String? {
            text.isEmpty || text.utf8.count > PublishRequest.maxSDPBytes
                ? "\(message.type): \(name) must be 1 to \(PublishRequest.maxSDPBytes) bytes" : nil
        }
        func identifier(_ text: String?, _ name: String) -> String? {
            guard let text else { return nil }
            return text.isEmpty || text.utf8.count > 200 ? "\(message.type): \(name) must be 1 to 200 bytes" : nil
        }
        switch message {
        case .publish(let request):
            return sdp(request.offer, "offer") ?? identifier(request.nodeId, "nodeId") ?? identifier(request.replaces, "replaces")
                ?? (request.sources?.keys.contains { $0.isEmpty || $0.utf8.count > 64 } == true
                    ? "publish: sources keys must be mids of 1 to 64 bytes" : nil)
        case .subscribe(let request):
            return identifier(request.transportId, "transportId")
        case .subscribeAnswer(let answer):
            return identifier(answer.transportId, "transportId") ?? sdp(answer.answer, "answer")
        case .unsubscribe(let request):
            return identifier(request.transportId, "transportId")
        default:
            return nil
        }
    }

    /// `join` finished: in the room, or in the waiting room.
    public mutating func joined(waiting: Bool) {
        guard self.state == .joining || self.state == .waiting else { return }
        self.state = waiting ? .waiting : .joined
    }

    /// The participant's role changed (read from PostgreSQL at `join`, or
    /// after a membership change): host events and host controls follow it.
    public mutating func updateRole(_ role: MemberRole) {
        self.identity.role = role
    }

    /// `join` failed; the client may try again.
    public mutating func joinFailed() {
        if self.state == .joining { self.state = .connected }
    }

    /// A host admitted this waiting participant. False when not waiting.
    public mutating func admitted() -> Bool {
        guard self.state == .waiting else { return false }
        self.state = .joined
        return true
    }

    /// The session ends; returns false when it already had.
    public mutating func close() -> Bool {
        guard self.state != .closed else { return false }
        self.state = .closed
        return true
    }

    /// Whether a room event goes to this socket.
    public func accepts(audience: RoomAudience, exclude: UUID?, recipients: [UUID]? = nil) -> Bool {
        if exclude == self.identity.participantId { return false }
        let listed = recipients?.contains(self.identity.participantId) ?? false
        switch (self.state, audience) {
        case (.joined, .everyone), (.joined, .participants), (.waiting, .everyone): return true
        case (.joined, .hosts): return self.identity.isHost
        case (.joined, .attendees): return !self.identity.isHost
        // Private: the listed participants, and the hosts for a message to the hosts.
        case (.joined, .listed): return listed
        case (.joined, .hostsAndListed): return listed || self.identity.isHost
        default: return false
        }
    }

    /// Whether presence should be kept for a resume when the socket drops.
    public var isInRoom: Bool { self.state == .joined || self.state == .waiting }

    private static func error(_ id: String?, _ code: SignalingErrorCode, _ message: String) -> Decision {
        .reply(ServerEnvelope(id: id, .error(SignalingError(code, message))))
    }
}
