public import Foundation
public import Logging
public import MeetAuth
import MeetCore
public import MeetProtocol

/// Everything a session and the background jobs use, wired once by
/// ``buildApplication(configuration:logger:)`` (or by a test with in-memory
/// adapters).
public struct SignalingServices: Sendable {
    public let configuration: WSConfiguration
    public let hub: SignalingHub
    public let bus: SignalingBus
    public let presence: any PresenceStore
    public let participants: any ParticipantStore
    /// SFU placement, control requests and node events.
    public let sfu: SFUGateway
    public let metrics: WSMetrics
    public let logger: Logger
    /// Mints each participant's TURN credentials for its snapshots.
    public let turn: TURNCredentials
    /// The rooms' active speakers from the nodes' audio-level reports.
    public let speakers: ActiveSpeakerRelay
    /// Talk time of this replica's sessions, sampled with the active speakers.
    public let talk: TalkTimeRecorder
    /// Last-N: the sessions' `sfu.set-video-selection`s, one per node per round.
    let videoSelections: VideoSelectionBatcher
    /// Polls and Q&A (issue #21), stored.
    public let engagement: any EngagementStore
    /// The meetings' whiteboards (docs/signaling.md, Whiteboard).
    public let whiteboard: any WhiteboardStore
    /// Breakout rooms (issue #21 item 5), stored.
    public let breakouts: any BreakoutStore

    public init(
        configuration: WSConfiguration, hub: SignalingHub, bus: SignalingBus, presence: any PresenceStore,
        participants: any ParticipantStore, sfu: SFUGateway, metrics: WSMetrics, logger: Logger,
        engagement: any EngagementStore = InMemoryEngagementStore(),
        whiteboard: (any WhiteboardStore)? = nil,
        breakouts: any BreakoutStore = InMemoryBreakoutStore(),
        talkTime: any TalkTimeStore = InMemoryTalkTimeStore()
    ) {
        self.engagement = engagement
        self.breakouts = breakouts
        self.whiteboard = whiteboard ?? InMemoryWhiteboardStore()
        self.configuration = configuration
        self.hub = hub
        self.bus = bus
        self.presence = presence
        self.participants = participants
        self.sfu = sfu
        self.metrics = metrics
        self.logger = logger
        self.turn = TURNCredentials(configuration: configuration.turn)
        self.speakers = ActiveSpeakerRelay(interval: configuration.activeSpeakersInterval)
        self.talk = TalkTimeRecorder(
            store: talkTime, sampleInterval: configuration.activeSpeakersInterval, flushInterval: configuration.talkTimeFlush,
            logger: logger)
        self.videoSelections = VideoSelectionBatcher { nodeId, request in
            do throws(SFUFailure) {
                _ = try await sfu.call(SFUControlType.setVideoSelection, request, node: nodeId, as: SetVideoSelectionReply.self)
                return true
            } catch {
                logger.notice("video selection not applied", metadata: ["node": "\(nodeId)", "error": "\(error)"])
                return false
            }
        }
    }

    public var replicaId: String { self.configuration.replicaId }

    /// Publishes a server message to a room's channel.
    public func publish(
        _ message: ServerMessage, meetingId: UUID, audience: RoomAudience, exclude: UUID? = nil
    ) async throws {
        try await self.bus.publish(self.roomMessage(message, meetingId: meetingId, audience: audience, exclude: exclude))
    }

    /// A server message as the room event that carries it on the bus.
    func roomMessage(
        _ message: ServerMessage, meetingId: UUID, audience: RoomAudience, exclude: UUID? = nil, recipients: [UUID]? = nil
    ) -> RoomBusMessage {
        RoomBusMessage(
            meetingId: meetingId, origin: self.replicaId, sentAtMs: WSMetrics.nowMs(), audience: audience,
            exclude: exclude, type: message.type, frame: SignalingCodec.encode(ServerEnvelope(message)), recipients: recipients,
            subject: message.breakoutSubject, breakoutRoom: message.breakoutRoom)
    }

    /// A chat message as the room event that carries it: to the room's
    /// participants, or a private one to its sender and recipient (a
    /// participant, or the hosts), on whatever replicas they are.
    func chatMessage(_ chat: ChatMessage, meetingId: UUID) -> RoomBusMessage {
        switch chat.recipient {
        case nil:
            return self.roomMessage(.chat(chat), meetingId: meetingId, audience: .participants)
        case .participant(let recipient)?:
            return self.roomMessage(.chat(chat), meetingId: meetingId, audience: .listed, recipients: [chat.participantId, recipient])
        case .hosts?:
            return self.roomMessage(.chat(chat), meetingId: meetingId, audience: .hostsAndListed, recipients: [chat.participantId])
        }
    }

    /// Publishes a chat message to whoever may see it (``chatMessage(_:meetingId:)``).
    public func publish(chat: ChatMessage, meetingId: UUID) async throws {
        try await self.bus.publish(self.chatMessage(chat, meetingId: meetingId))
    }

    /// Sends an instruction to the replica holding `record`'s socket.
    public func instruct(
        _ action: InboxAction, record: PresenceRecord, connectionId: UUID? = nil, by: UUID? = nil,
        reason: String? = nil, message: ServerMessage? = nil, kind: MediaKind? = nil
    ) async throws {
        try await self.bus.send(
            InboxBusMessage(
                participantId: record.participant.id, connectionId: connectionId, origin: self.replicaId,
                sentAtMs: WSMetrics.nowMs(), action: action, by: by, reason: reason,
                frame: message.map { SignalingCodec.encode(ServerEnvelope($0)) }, kind: kind
            ),
            toReplica: record.replicaId
        )
    }

    /// Announces that `record` is gone (exactly once: only the caller that
    /// removed it from presence calls this) and records it in PostgreSQL (a
    /// kick by host `by` bans it in the same transaction).
    /// Its media goes with it: the room hears `tracks: []` and every node
    /// where it held a transport gets `sfu.close-participant`.
    public func announceGone(meetingId: UUID, record: PresenceRecord, reason: LeaveReason, by: UUID? = nil) async throws {
        let id = record.participant.id
        if record.publication != nil {
            try await self.publish(
                .tracks(TracksEvent(participantId: id, nodeId: nil, tracks: [])), meetingId: meetingId, audience: .participants,
                exclude: id)
        }
        await self.sfu.closeParticipant(id, on: record.sfuNodes)
        switch record.status {
        case .joined:
            try await self.publish(
                .participantLeft(ParticipantLeft(participantId: id, reason: reason)), meetingId: meetingId,
                audience: .participants, exclude: id)
        case .waiting:
            let outcome: AdmissionOutcome = reason == .kicked ? .denied : .left
            try await self.publish(
                .admissionResolved(AdmissionResolved(participantId: id, outcome: outcome, by: by)),
                meetingId: meetingId, audience: .hosts)
        case .recorder:
            return  // hidden, and no `participants` row to end (docs/dev/recording.md)
        }
        if reason == .kicked, let by {
            try await self.participants.kick(participantId: id, by: by)  // ended and banned in one transaction
        } else {
            try await self.participants.markGone(participantId: id, status: reason == .kicked ? .kicked : .left)
        }
    }

    /// The room as `identity` should see it.
    public func snapshot(for identity: SessionIdentity, resumed: Bool) async throws -> RoomSnapshot {
        let records = try await self.presence.list(meetingId: identity.meetingId)
        var snapshot = RoomSnapshot(
            meetingId: identity.meetingId, meetingCode: identity.meetingCode, you: identity.participantId,
            role: identity.role, resumed: resumed,
            participants: records.filter { $0.status == .joined }.map(\.participant),
            waiting: identity.isHost ? records.filter { $0.status == .waiting }.map(\.participant) : [],
            tracks: records.filter { $0.status == .joined }.flatMap { $0.publication?.tracks ?? [] },
            iceServers: self.turn.iceServers(for: identity.participantId),
            // The indicator is an announcement: a failed read shows none rather than failing the join.
            recording: (try? await self.participants.activeRecording(meetingId: identity.meetingId)) ?? nil
        )
        snapshot.e2ee = identity.e2ee
        snapshot.audioSlots = self.configuration.video.audioSlotPolicy
        return snapshot
    }
}
