public import Foundation

/// The recorders' bus channel under a deployment's key prefix (the same
/// `MEET_WS_KEY_PREFIX` as the rooms), and what goes on it
/// (docs/dev/recording.md, "Job flow"): meet-api and meet-ws publish, every
/// meet-recorder listens.
public struct RecorderChannels: Sendable, Hashable {
    /// The `type` of every envelope on ``jobs``.
    public static let jobType = "recorder.job"

    /// Empty, or ending in `:`, as ``RoomChannels/prefix``.
    public let prefix: String

    public init(prefix: String) {
        self.prefix = RoomChannels(prefix: prefix).prefix
    }

    /// `recorder:jobs`: starts and stops of every recording. A start reaches
    /// every recorder and one claims it (``RecordingJob``); a stop reaches
    /// every recorder and the one holding the job acts on it. One channel for
    /// both, so a stop needs no read of who holds the job, and still reaches
    /// the new holder after a takeover.
    public var jobs: String { self.prefix + "recorder:jobs" }

    /// A job as it goes on ``jobs``, sent by `sender`.
    public static func envelope(_ job: RecordingJob, from sender: String) -> BusEnvelope<RecordingJob> {
        BusEnvelope(kind: .event, type: Self.jobType, from: sender, body: job)
    }
}

/// One start or stop of a recording for the recorders.
public struct RecordingJob: Codable, Sendable, Equatable {
    public enum Action: String, Codable, Sendable {
        /// Claim the recording (first recorder wins) and record `segment`.
        case start
        /// The holder closes its files and ends the recording.
        case stop
    }

    public var action: Action
    public var recordingId: UUID
    public var meetingId: UUID
    public var meetingCode: String
    /// 0 for the first recorder; one more for each takeover.
    public var segment: Int
    /// The user who started or stopped it, when a person did.
    public var requestedBy: UUID?
    /// Publisher's clock, milliseconds since 1970.
    public var sentAtMs: Int64
    /// On a start: the recorder seat's token (a `recorder` seat token,
    /// ``JoinTokenClaims/recordingId`` set) and the meet-ws URL it connects
    /// to (`MEET_RECORDER_WS_URL` overrides it on the recorder). Nil on a stop.
    public var joinToken: String?
    public var wsUrl: String?

    public init(
        action: Action, recordingId: UUID, meetingId: UUID, meetingCode: String, segment: Int = 0, requestedBy: UUID?,
        sentAtMs: Int64, joinToken: String? = nil, wsUrl: String? = nil
    ) {
        self.action = action
        self.recordingId = recordingId
        self.meetingId = meetingId
        self.meetingCode = meetingCode
        self.segment = segment
        self.requestedBy = requestedBy
        self.sentAtMs = sentAtMs
        self.joinToken = joinToken
        self.wsUrl = wsUrl
    }
}
