import Foundation

/// Every message the server sends. Replies to a request carry its `id`;
/// events carry none.
public enum ServerMessage: Sendable, Equatable {
    /// Reply to `join`: the room as it is now.
    case joined(RoomSnapshot)
    /// Reply to `join` in a waiting-room meeting: wait for `admitted` or `denied`.
    case waiting(WaitingData)
    /// A host let the receiver in: the room as it is now.
    case admitted(RoomSnapshot)
    /// A host refused the receiver; the socket closes next.
    case denied(Removal)
    case participantJoined(ParticipantEvent)
    case participantLeft(ParticipantLeft)
    /// Media state, hand or role changed.
    case participantUpdated(ParticipantEvent)
    case chat(ChatMessage)
    case muteRequested(MuteRequested)
    /// A host removed the receiver; the socket closes next.
    case kicked(Removal)
    /// The meeting is over; the socket closes next.
    case meetingEnded(Removal)
    /// To hosts: someone waits in the waiting room.
    case admissionRequest(ParticipantEvent)
    /// To hosts: a waiting-room request was settled.
    case admissionResolved(AdmissionResolved)
    /// The same participant connected again elsewhere; this socket closes next.
    case sessionReplaced(EmptyData)
    /// Reply to `publish`: the node's answer and address.
    case published(Published)
    /// Reply to `subscribe`: the publisher's node's offer and address.
    case subscription(SubscriptionOffer)
    /// A participant's published tracks changed.
    case tracks(TracksEvent)
    /// One of the receiver's subscriptions ended on its node.
    case subscriptionClosed(SubscriptionClosed)
    /// A node the receiver uses is draining or gone: move one transport.
    case migrate(MigrateInstruction)
    /// The receiver's resume token, sent right after `joined`/`waiting` and
    /// renewed before it expires: present it at the upgrade to resume the
    /// seat on any replica once the join token has expired.
    case credentials(ResumeCredentials)
    /// Who speaks in the room now, loudest first (on change, a few times a second at most).
    case activeSpeakers(ActiveSpeakers)
    /// Reply to `video-preferences`, and an event when it changes: the videos forwarded to the receiver.
    case videoSelection(VideoSelectionData)
    /// Someone reacted with an emoji (not stored).
    case reaction(ReactionEvent)
    /// Dynacast: which simulcast layers of its video the publisher should send.
    case publisherLayers(PublisherLayers)
    /// Everyone in the room: a host started recording (show the indicator).
    case recordingStarted(RecordingStarted)
    /// Everyone in the room: the recording is over.
    case recordingStopped(RecordingStopped)
    /// Polls and Q&A (issue #21): `poll`, `question`, `engagement`.
    case engagement(EngagementEvent)
    /// Breakout rooms (issue #21 item 5): `breakout`, `breakout-scope`, `breakout-broadcast`.
    case breakout(BreakoutEvent)
    /// A whiteboard op, in the board's order (`seq`).
    case whiteboardOp(WhiteboardOpEvent)
    /// Reply to `whiteboard-sync`: the board's ops.
    case whiteboardState(WhiteboardStateData)
    /// An in-app notification of this socket's user, pushed as meet-api
    /// stores it (docs/signaling.md, "Notifications").
    case notification(NotificationResponse)
    /// On a user socket (`/v1/ws/user`): the user's channel is subscribed,
    /// so every notification stored from now on is pushed; a client reloads
    /// the list once on it, to catch what came before.
    case userReady(EmptyData)
    case pong(PingData)
    case ack(AckData)
    case error(SignalingError)

    /// The wire `type`.
    public var type: String {
        switch self {
        case .joined: "joined"
        case .waiting: "waiting"
        case .admitted: "admitted"
        case .denied: "denied"
        case .participantJoined: "participant-joined"
        case .participantLeft: "participant-left"
        case .participantUpdated: "participant-updated"
        case .chat: "chat"
        case .muteRequested: "mute-requested"
        case .kicked: "kicked"
        case .meetingEnded: "meeting-ended"
        case .admissionRequest: "admission-request"
        case .admissionResolved: "admission-resolved"
        case .sessionReplaced: "session-replaced"
        case .published: "published"
        case .subscription: "subscription"
        case .tracks: "tracks"
        case .subscriptionClosed: "subscription-closed"
        case .migrate: "migrate"
        case .credentials: "credentials"
        case .activeSpeakers: "active-speakers"
        case .videoSelection: "video-selection"
        case .reaction: "reaction"
        case .publisherLayers: "publisher-layers"
        case .recordingStarted: "recording-started"
        case .recordingStopped: "recording-stopped"
        case .engagement(let event): event.type
        case .breakout(let event): event.type
        case .whiteboardOp: "whiteboard-op"
        case .whiteboardState: "whiteboard-state"
        case .notification: "notification"
        case .userReady: "user-ready"
        case .pong: "pong"
        case .ack: "ack"
        case .error: "error"
        }
    }

    /// Every server type, for docs and metrics labels.
    public static let allTypes = [
        "joined", "waiting", "admitted", "denied", "participant-joined", "participant-left",
        "participant-updated", "chat", "mute-requested", "kicked", "meeting-ended", "admission-request",
        "admission-resolved", "session-replaced", "published", "subscription", "tracks", "subscription-closed",
        "migrate", "credentials", "active-speakers", "video-selection", "publisher-layers", "reaction", "recording-started",
        "recording-stopped", "pong", "ack", "error",
        "whiteboard-op", "whiteboard-state", "notification", "user-ready",
    ] + EngagementEvent.types + BreakoutEvent.types
}

/// A server message with the request id it answers, if any.
public struct ServerEnvelope: Sendable, Equatable {
    public var id: String?
    public var message: ServerMessage

    public init(id: String? = nil, _ message: ServerMessage) {
        self.id = id
        self.message = message
    }
}
