/// Decides which rooms' speaker levels the node reports to ServerWS, and
/// when: sans-I/O, fed each report interval with the smoothed level of every
/// participant that publishes audio on the node (``AudioLevelMeter``), by
/// room.
///
/// A room is reported when its list changed (the list: participants above
/// 0, loudest first, equal levels by id, at most `maxSpeakers`); an
/// unchanged list with speakers in it is re-sent every `refresh`, so a
/// listener that missed a message (pub/sub delivers at most once) or joined
/// late catches up, and can expire a report that stops coming; a room that
/// goes quiet, or whose last publisher left the node, gets one empty report
/// and is forgotten. The book holds only rooms with speakers.
public struct SpeakerReportBook: Sendable {
    public struct Speaker: Sendable, Hashable {
        public var participantId: String
        public var level: Int

        public init(participantId: String, level: Int) {
            self.participantId = participantId
            self.level = level
        }
    }

    /// One report to send.
    public struct Report: Sendable, Equatable {
        public var roomId: String
        /// Loudest first; empty: the room went quiet on this node.
        public var speakers: [Speaker]
    }

    public let refresh: Duration
    public let maxSpeakers: Int
    private var sent: [String: (speakers: [Speaker], at: ContinuousClock.Instant)] = [:]

    public init(refresh: Duration = .seconds(2), maxSpeakers: Int = 16) {
        self.refresh = refresh
        self.maxSpeakers = maxSpeakers
    }

    /// One report interval: `levels` is room → participant → level (0:
    /// silent) for every room with an audio publisher on the node. Returns
    /// the reports to send now, in room id order.
    public mutating func round(_ levels: [String: [String: Int]], now: ContinuousClock.Instant) -> [Report] {
        var reports: [Report] = []
        for (roomId, previous) in sent where levels[roomId] == nil {
            sent[roomId] = nil
            if !previous.speakers.isEmpty { reports.append(Report(roomId: roomId, speakers: [])) }
        }
        for (roomId, participants) in levels {
            let speakers = Self.ranked(participants, limit: maxSpeakers)
            let previous = sent[roomId]
            if speakers.isEmpty {
                if previous != nil { reports.append(Report(roomId: roomId, speakers: [])) }
                sent[roomId] = nil
                continue
            }
            guard previous.map({ $0.speakers != speakers || now - $0.at >= refresh }) ?? true else { continue }
            sent[roomId] = (speakers, now)
            reports.append(Report(roomId: roomId, speakers: speakers))
        }
        return reports.sorted { $0.roomId < $1.roomId }
    }

    /// Rooms with speakers reported last (tests, metrics).
    public var roomCount: Int { sent.count }

    /// Participants above 0, loudest first, equal levels by id, at most `limit`.
    static func ranked(_ participants: [String: Int], limit: Int) -> [Speaker] {
        participants.filter { $0.value > 0 }
            .map { Speaker(participantId: $0.key, level: $0.value) }
            .sorted { ($0.level, $1.participantId) > ($1.level, $0.participantId) }
            .prefix(limit).map { $0 }
    }
}
