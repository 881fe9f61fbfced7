import ArgumentParser
import Foundation
import Logging
import MeetRTC
import NIOCore
import NIOPosix

/// `meet-load`: simulated participants against a running Meet deployment,
/// through its public REST and WebSocket APIs only (docs/load-testing.md).
@main
struct MeetLoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meet-load",
        abstract: "Simulate meeting participants against a Meet deployment (docs/load-testing.md).")

    @Option(help: "meet-api base URL.")
    var api: String = "http://127.0.0.1:8080"

    @Option(help: "meet-ws URL (ws://host:port/v1/ws); repeat to spread participants over replicas. Default: the join response's wsUrl.")
    var ws: [String] = []

    @Option(help: "Participants per meeting.")
    var participants: Int = 10

    @Option(help: "Participants per meeting that publish camera and mic.")
    var publishers: Int = 2

    @Option(help: "Share (0-1) of the other participants that publish mic only.")
    var audioOnly: Double = 0

    @Option(help: "Meetings, each with --participants participants.")
    var meetings: Int = 1

    @Option(help: "Participants started per second, all meetings together.")
    var joinRate: Double = 5

    @Option(help: "Seconds to hold after the last participant started.")
    var duration: Double = 30

    @Option(help: "Publishers per meeting that send loud audio levels (when the node negotiates RFC 6464).")
    var speakers: Int = 1

    @Option(help: "Seconds between speaker turns: the loud speakers rotate over the meeting's audio publishers, and each participant times the first active-speakers event naming the newcomer. 0: the same speakers throughout.")
    var speakerTurnSeconds: Double = 0

    @Option(help: "Most subscriptions per participant.")
    var maxSubscriptions: Int = 50

    @Option(help: "per-node: one subscriber connection per node, as the web client; per-publisher: one per publisher (the protocol before last-N).")
    var subscribe: SubscribeMode = .perNode

    @Option(help: "Last-N (per-node): videos forwarded at most to each participant, the page's tiles then active speakers. -1: send no video-preferences (every video).")
    var videoLimit: Int = 9

    @Option(help: "Last-N: tiles on a participant's page (its first page: the room's first video publishers).")
    var pageSize: Int = 9

    @Option(help: "Last-N: the tile height asked for, in pixels.")
    var tileHeight: Int = 360

    @Option(help: "Last-N: seconds between page turns (each participant shows the next page of the room's videos, wrapping around); 0: stays on the first page.")
    var pageTurnSeconds: Double = 0

    @Option(help: "Last-N: seconds between tile resizes (each participant's tiles switch between --tile-height and --resize-height, e.g. to see simulcast layers switch and dynacast resume them); 0: never.")
    var resizeSeconds: Double = 0

    @Option(help: "Last-N: the other tile height --resize-seconds switches to, in pixels.")
    var resizeHeight: Int = 720

    @Flag(help: "Last-N: do not fill free slots with active speakers.")
    var noFollowSpeakers = false

    @Option(help: "Audio slots per node connection (per-node): -1 as the web client, the deployment's joined.audioSlots when the meeting has more participants than its threshold; 0 a section per publisher's audio; 1-8 that many slots.")
    var audioSlots: Int = -1

    @Option(help: "Seconds after the last participant started at which each meeting's owner launches a poll that every participant answers at once; the report times it (docs/load-testing.md, Polls). Default: no poll.")
    var pollAfter: Double?

    @Option(help: "Seconds a poll's host waits for every vote before it closes the poll anyway.")
    var pollTimeout: Double = 30

    @Option(help: "Video bitrate per publisher in kbit/s (keyframes included); with --simulcast, the top layer's.")
    var videoKbps: Int = 1500

    @Flag(help: "Publish video as 3 simulcast layers (RIDs q;h;f: 320x180, 640x360, 1280x720 at 1/10, 3/10 and all of --video-kbps) and follow the node's publisher-layers (dynacast); the report adds what each layer sent and which layer subscriptions got.")
    var simulcast = false

    @Option(help: "Video frames per second.")
    var fps: Int = 30

    @Option(help: "Seconds between natural keyframes.")
    var keyframeSeconds: Double = 3

    @Option(help: "Opus bitrate in kbit/s (50 packets/s).")
    var audioKbps: Int = 32

    @Option(help: "A gap between video frames longer than this (ms) is a freeze.")
    var freezeMs: Int = 500

    @Option(help: "Seconds a subscription may take to its first frame before it counts as no_first_frame.")
    var firstFrameTimeout: Double = 5

    @Option(help: "Seconds to wait for a REST or signaling reply.")
    var requestTimeout: Double = 10

    @Option(help: "Seconds to wait for a WebSocket upgrade or a peer connection.")
    var connectTimeout: Double = 10

    @Option(help: "Local address for media sockets.")
    var bind: String = "0.0.0.0"

    @Option(help: "Event-loop threads for media (default: CPU cores).")
    var threads: Int?

    @Flag(help: "Print the report as JSON on stdout (progress still goes to stderr).")
    var json = false

    @Flag(help: "No progress line.")
    var quiet = false

    func validate() throws {
        guard participants > 0, meetings > 0 else { throw ValidationError("--participants and --meetings must be positive") }
        guard (0...participants).contains(publishers) else { throw ValidationError("--publishers must be 0...--participants") }
        guard (0...1).contains(audioOnly) else { throw ValidationError("--audio-only is a share, 0...1") }
        guard joinRate > 0, duration >= 0, fps > 0, videoKbps > 0, audioKbps > 0, maxSubscriptions >= 0 else {
            throw ValidationError("rates, --duration and --max-subscriptions must be positive")
        }
        guard videoLimit >= -1, pageSize >= 1, tileHeight >= 1 else {
            throw ValidationError("--video-limit is -1 (off) or more, --page-size and --tile-height positive")
        }
        guard speakerTurnSeconds == 0 || speakerTurnSeconds >= 0.5 else {
            throw ValidationError("--speaker-turn-seconds is 0 (off) or at least 0.5")
        }
        guard pageTurnSeconds >= 0 else { throw ValidationError("--page-turn-seconds is 0 (off) or more") }
        guard resizeSeconds == 0 || resizeSeconds >= 0.5, resizeHeight >= 1 else {
            throw ValidationError("--resize-seconds is 0 (off) or at least 0.5, --resize-height positive")
        }
        guard (pollAfter ?? 0) >= 0, pollTimeout > 0 else { throw ValidationError("--poll-after is 0 or more, --poll-timeout positive") }
        guard (-1...8).contains(audioSlots) else { throw ValidationError("--audio-slots is -1 (as the web client), 0 (off) or 1...8") }
    }

    /// How participants subscribe, as the report names it.
    var strategyLabel: String {
        guard subscribe == .perNode else { return "connection-per-publisher" }
        guard videoLimit >= 0 else { return "connection-per-node, every video" }
        let slots = audioSlots < 0 ? ", audio slots as the web client" : audioSlots == 0 ? "" : ", \(audioSlots) audio slots"
        return "connection-per-node, last-N \(videoLimit) (page \(pageSize)\(noFollowSpeakers ? "" : " + speakers"))\(slots)"
    }

    func run() async throws {
        let level = ProcessInfo.processInfo.environment["MEET_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .error
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "meet.load")
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads ?? System.coreCount)
        let maxSubscriptions = maxSubscriptions
        let plan = LoadPlan(
            meetings: meetings, participantsPerMeeting: participants, videoPublishers: publishers,
            audioOnlyShare: audioOnly, speakers: speakers)
        let context = ParticipantContext(
            rest: RESTClient(baseURL: api, timeout: requestTimeout),
            wsURLs: ws,
            rtc: try RTCConfiguration.generate(publicIP: bind == "0.0.0.0" ? "127.0.0.1" : bind),
            group: group, bindHost: bind,
            media: SyntheticMedia(
                videoBitsPerSecond: videoKbps * 1000, framesPerSecond: fps, keyframeSeconds: keyframeSeconds,
                audioBitsPerSecond: audioKbps * 1000, simulcast: simulcast),
            recorder: LoadRecorder(logger: logger),
            requestTimeout: .milliseconds(Int(requestTimeout * 1000)),
            connectTimeout: .milliseconds(Int(connectTimeout * 1000)),
            freezeThresholdNanos: UInt64(freezeMs) * 1_000_000,
            wsLogger: Logger(label: "meet.load.ws"), rtcLogger: Logger(label: "meet.load.rtc"),
            makeStrategy: { ConnectionPerPublisher(maxSubscriptions: maxSubscriptions) },
            perNode: subscribe == .perNode,
            videoPage: VideoPage(
                limit: subscribe == .perNode && videoLimit >= 0 ? videoLimit : nil, pageSize: pageSize,
                followSpeakers: !noFollowSpeakers, maxHeight: tileHeight, turnEvery: pageTurnSeconds > 0 ? pageTurnSeconds : nil,
                resizedHeight: resizeSeconds > 0 ? resizeHeight : nil, resizeEvery: resizeSeconds > 0 ? resizeSeconds : nil),
            audioSlots: subscribe == .perNode ? audioSlots : nil, participantsPerMeeting: participants,
            speakerTurns: speakerTurnSeconds > 0
                ? SpeakerTurns(
                    period: UInt64(speakerTurnSeconds * 1e9), start: monotonicNanos(), speakers: speakers,
                    audioPublishers: plan.audioPublishersPerMeeting)
                : nil,
            polls: pollAfter == nil ? nil : PollRecorder(), simulcast: simulcast)
        let config = LoadReport.Config(
            meetings: meetings, participantsPerMeeting: participants, videoPublishersPerMeeting: publishers,
            audioOnlyPerMeeting: plan.audioOnlyPerMeeting, speakersPerMeeting: speakers, joinRate: joinRate,
            durationSeconds: duration, maxSubscriptions: maxSubscriptions, videoKbps: videoKbps,
            framesPerSecond: fps, freezeMs: freezeMs, strategy: strategyLabel, simulcast: simulcast)
        let run = LoadRun(
            plan: plan, context: context, joinRate: joinRate, hold: .milliseconds(Int(duration * 1000)),
            firstFrameTimeoutNanos: UInt64(firstFrameTimeout * 1e9),
            progressInterval: quiet ? nil : .seconds(1), config: config, logger: logger,
            pollAfter: pollAfter.map { .milliseconds(Int($0 * 1000)) }, pollTimeout: .milliseconds(Int(pollTimeout * 1000)))
        let report: LoadReport
        do {
            report = try await run.run()
        } catch {
            FileHandle.standardError.write(Data("meet-load: setup failed: \(error)\n".utf8))
            try? await group.shutdownGracefully()
            throw ExitCode(2)
        }
        print(json ? report.json() : report.table())
        try? await group.shutdownGracefully()
    }
}

/// `--subscribe`.
enum SubscribeMode: String, ExpressibleByArgument, Sendable {
    case perNode = "per-node"
    case perPublisher = "per-publisher"
}
