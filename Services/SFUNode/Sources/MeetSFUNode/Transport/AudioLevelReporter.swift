import MeetProtocol
import MeetSFU

/// The node's active-speaker report: every `interval` (on the RTCP timer)
/// it closes the audio-level windows of every publisher's router
/// (``Router/closeAudioLevelWindows(_:)``), takes each participant's
/// loudest audio track by room, and hands what ``SpeakerReportBook`` says
/// is due to `sink` as ``SFUAudioLevelsEvent``s (the bus, via
/// ``NodeEventPublisher``; nothing waits on Redis here).
///
/// Event loop only, like the ``TransportManager`` timer that drives it;
/// nothing here runs per packet.
final class AudioLevelReporter {
    typealias Sink = @Sendable (SFUAudioLevelsEvent) -> Void

    let interval: Duration
    private let nodeId: String
    private let sink: Sink
    private var book = SpeakerReportBook(
        refresh: .milliseconds(SFUAudioLevelsEvent.refreshMs), maxSpeakers: SFUAudioLevelsEvent.maxSpeakers)
    private var lastRound: ContinuousClock.Instant?

    /// `interval` zero turns reports off (the windows are never closed).
    init(nodeId: String, interval: Duration, sink: @escaping Sink) {
        self.nodeId = nodeId
        self.interval = interval
        self.sink = sink
    }

    /// Whether some room's last report named speakers: its levels fall to 0
    /// over a few rounds, then one empty report goes ("went quiet"); the
    /// worker's timer keeps its 20 ms pace until then.
    var hasSpeakers: Bool { interval > .zero && book.roomCount > 0 }

    /// From the worker's RTCP timer (20 ms while busy, 1 s while quiet): runs a round once `interval` passed, and
    /// returns each audio track's level then (for the audio slots,
    /// ``NodeAudioSlots``); nil between rounds.
    func tick(now: ContinuousClock.Instant, publishers: some Sequence<PublisherTransport>) -> [SubscribedTrack: Int]? {
        guard interval > .zero, lastRound.map({ now - $0 >= interval }) ?? true else { return nil }
        lastRound = now
        var levels: [String: [String: Int]] = [:]
        var tracks: [SubscribedTrack: Int] = [:]
        for publisher in publishers where publisher.router.isAudioLevelEnabled {
            var room = levels[publisher.roomId] ?? [:]
            var loudest = room[publisher.participantId] ?? 0
            publisher.router.closeAudioLevelWindows { ssrc, level in
                loudest = max(loudest, level)
                if level > 0, let mid = publisher.routed[ssrc]?.mid { tracks[SubscribedTrack(publisher: publisher.id, mid: mid)] = level }
            }
            room[publisher.participantId] = loudest
            levels[publisher.roomId] = room
        }
        for report in book.round(levels, now: now) {
            sink(SFUAudioLevelsEvent(
                nodeId: nodeId, roomId: report.roomId,
                levels: report.speakers.map { .init(participantId: $0.participantId, level: $0.level) }))
        }
        return tracks
    }
}
