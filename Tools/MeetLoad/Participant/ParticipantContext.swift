import Logging
import MeetRTC
import NIOCore
import NIOPosix

/// What every simulated participant of a run shares: where the deployment
/// is, the media to send, the DTLS certificate, the event loops media runs
/// on, the limits, and the recorder.
struct ParticipantContext: Sendable {
    var rest: RESTClient
    /// meet-ws URLs, spread over participants; empty: the join response's `wsUrl`.
    var wsURLs: [String]
    var rtc: RTCConfiguration
    var group: MultiThreadedEventLoopGroup
    /// Local address media sockets bind to.
    var bindHost: String
    var media: SyntheticMedia
    var recorder: LoadRecorder
    var requestTimeout: Duration
    var connectTimeout: Duration
    var freezeThresholdNanos: UInt64
    var wsLogger: Logger
    var rtcLogger: Logger
    var makeStrategy: @Sendable () -> any SubscriptionStrategy
    /// One subscriber connection per node, as the web client (`--subscribe
    /// per-node`), or one per publisher (`per-publisher`, the protocol before #15).
    var perNode: Bool
    /// Last-N: what each participant asks to see (per-node only).
    var videoPage: VideoPage
    /// `--audio-slots` (per-node only): -1 follows `joined.audioSlots` by
    /// `participantsPerMeeting`, as the web client does; 0 asks for none; nil never asks.
    var audioSlots: Int? = nil
    /// Participants per meeting, as planned (the room size `audioSlots` -1 goes by).
    var participantsPerMeeting = 0
    /// `--speaker-turn-seconds`: speakers take turns (nil: the planned ones speak throughout).
    var speakerTurns: SpeakerTurns? = nil
    /// `--poll-after`: participants vote in their meeting's poll and time it (nil: no poll).
    var polls: PollRecorder? = nil
    /// `--simulcast`: publishers offer their video as 3 RID layers (`q;h;f`).
    var simulcast = false

    /// What a publisher offers (``publishPolicy``), with 3 simulcast layers on video when `simulcast`.
    var publisherPolicy: MediaPolicy {
        guard simulcast else { return Self.publishPolicy }
        var policy = Self.publishPolicy
        policy.simulcastLayers = 3
        return policy
    }

    /// What a publisher offers: Opus and VP8 (no H.264), NACK/PLI/FIR/REMB
    /// feedback, mid and abs-send-time, and on audio the audio-level
    /// extension (RFC 6464, MediaPolicy's default `audioHeaderExtensions`),
    /// so a node that ranks speakers can read levels.
    /// No transport-wide CC: meet-load does not adapt its rate.
    static let publishPolicy = MediaPolicy(
        headerExtensions: [MediaPolicy.midURI, MediaPolicy.absSendTimeURI],
        feedback: ["nack", "nack pli", "ccm fir", "goog-remb"],
        acceptH264: false)

    /// A fresh UDP socket for one peer connection.
    func bindSocket() async throws(LoadError) -> RTCSocket {
        do {
            return try await RTCSocket.bind(host: bindHost, port: 0, group: group, logger: rtcLogger)
        } catch {
            throw LoadError("udp_bind_failed", "\(error)")
        }
    }
}
