import Foundation

/// The result of a run, as `--json` prints it and the table shows it.
/// Built from every participant's ``ParticipantResult`` and the recorder.
struct LoadReport: Codable, Sendable {
    struct Config: Codable, Sendable {
        var meetings: Int
        var participantsPerMeeting: Int
        var videoPublishersPerMeeting: Int
        var audioOnlyPerMeeting: Int
        var speakersPerMeeting: Int
        var joinRate: Double
        var durationSeconds: Double
        var maxSubscriptions: Int
        var videoKbps: Int
        var framesPerSecond: Int
        var freezeMs: Int
        var strategy: String
        var simulcast = false
    }

    struct Participants: Codable, Sendable {
        var planned: Int
        var joined: Int
        var publishing: Int
    }

    struct Subscriptions: Codable, Sendable {
        var total: Int
        var video: Int
        var withMedia: Int
        var withoutMedia: Int
    }

    struct Subscribers: Codable, Sendable {
        var count: Int
        var videoFramesPerSubscriber: Distribution
        var videoFramesPerSecondPerSubscription: Distribution
        var freezes: Int
        var subscribersWithFreezes: Int
        var subscriberConnectionsPerSubscriber: Distribution
        /// Frozen video time over watched video time, 0...1.
        var frozenShare: Double
        var receivedKbpsPerSubscriber: Distribution
    }

    struct Loss: Codable, Sendable {
        var expected: Int
        var lost: Int
        var ratio: Double
    }

    struct Sent: Codable, Sendable {
        var videoFrames: Int
        /// Frames per second per video publisher over the measurement: below
        /// `--fps` when meet-load itself could not keep up (then the
        /// receivers' figures say more about this machine than the servers).
        var videoFramesPerSecondPerPublisher: Double
        var videoPackets: Int
        var audioPackets: Int
        var keyframes: Int
        var keyframeRequests: Int
        var kbps: Double
    }

    /// One participant's line, for scripts that check every subscriber.
    struct Subscriber: Codable, Sendable {
        var index: Int
        var meeting: Int
        var publishes: String
        var joined: Bool
        var subscriptions: Int
        var subscriptionsWithMedia: Int
        var videoSubscriptions: Int
        var videoSubscriptionsWithFrames: Int
        var videoFrames: Int
        var freezes: Int
        var receivedKbps: Double
        /// Subscriber peer connections open at the end.
        var subscriberConnections: Int
        /// Pages turned (`--page-turn-seconds`).
        var pageTurns: Int = 0
    }

    /// Speaker turns, over every participant: turns each one saw begin and
    /// end while joined, how many of those an `active-speakers` event named
    /// the newcomer of, and how long after the turn began (the node's
    /// smoothing and ranking, meet-ws's merge and send interval, and the
    /// fan-out to every replica).
    struct ActiveSpeakerChanges: Codable, Sendable {
        var turns: Int
        var timed: Int
        var changeMs: Distribution
    }

    var tool = "meet-load"
    var config: Config
    var measuredSeconds: Double
    var participants: Participants
    var joinMs: Distribution
    var publishMs: Distribution
    var firstFrameMs: Distribution
    var subscriptions: Subscriptions
    var subscribers: Subscribers
    var loss: Loss
    var sent: Sent
    var errors: [String: Int]
    var errorsTotal: Int
    /// `--speaker-turn-seconds`: how soon each participant heard of a new
    /// speaker (nil when speakers do not take turns).
    var activeSpeakers: ActiveSpeakerChanges?
    /// `--poll-after`: the poll's timings (nil without a poll).
    var poll: PollFigures? = nil
    /// `--simulcast`: per layer sent, and which layer subscriptions got (nil without).
    var simulcast: SimulcastFigures? = nil
    /// Frames meet-load does not act on (`migrate`...), by type.
    var otherEvents: [String: Int]
    var perSubscriber: [Subscriber]

    func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
