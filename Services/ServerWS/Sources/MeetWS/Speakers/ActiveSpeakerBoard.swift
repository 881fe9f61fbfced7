import Foundation
import MeetProtocol

/// The rooms' active speakers as this replica builds them: sans-I/O, fed
/// the SFU nodes' ``SFUAudioLevelsEvent``s and asked once per interval
/// which rooms' `active-speakers` event is due.
///
/// Every replica hears every node's reports (``SFUEventChannel/events``)
/// and builds the same ranking, so each sends it to its own sockets with no
/// further bus hop and no replica in charge of a room. A room spans nodes
/// (and a participant moving between nodes briefly publishes on two): the
/// ranking merges the latest report of every node, a participant's level
/// being its highest on any node; loudest first, equal levels by
/// participant id, at most ``maxSpeakers``.
///
/// A room's event is due when its ranking differs from the last one sent
/// to it, and at least `interval` after that one (the rate limit). Bounded
/// state: only rooms this replica holds sessions of are kept (``round``
/// drops the others), a node's report expires ``SFUAudioLevelsEvent/expiryMs``
/// after it arrived unless refreshed (a node that died mid-sentence), a
/// departed node's reports go at once, and a room with no reports whose
/// last event was empty is forgotten. Reports list at most
/// ``SFUAudioLevelsEvent/maxSpeakers`` participants each.
struct ActiveSpeakerBoard: Sendable {
    private struct Report: Sendable {
        var levels: [UUID: Int]
        var receivedAtMs: Int64
    }

    private struct Room: Sendable {
        /// Node id → its latest report.
        var reports: [String: Report] = [:]
        var sent: [ActiveSpeakers.Speaker] = []
        var sentAtMs: Int64?
    }

    static let maxSpeakers = 16

    let intervalMs: Int64
    let expiryMs: Int64
    private var rooms: [UUID: Room] = [:]

    init(interval: Duration, expiryMs: Int64 = SFUAudioLevelsEvent.expiryMs) {
        self.intervalMs = interval.milliseconds
        self.expiryMs = expiryMs
    }

    /// Takes a node's report (the newest replaces the node's previous one).
    /// Malformed ids are skipped; an empty report withdraws the node.
    mutating func record(_ event: SFUAudioLevelsEvent, nowMs: Int64) {
        guard let roomId = UUID(uuidString: event.roomId) else { return }
        var levels: [UUID: Int] = [:]
        for entry in event.levels.prefix(SFUAudioLevelsEvent.maxSpeakers) {
            guard let participantId = UUID(uuidString: entry.participantId), entry.level > 0 else { continue }
            levels[participantId] = min(max(levels[participantId] ?? 0, entry.level), 100)
        }
        if levels.isEmpty {
            rooms[roomId]?.reports[event.nodeId] = nil
        } else {
            rooms[roomId, default: Room()].reports[event.nodeId] = Report(levels: levels, receivedAtMs: nowMs)
        }
    }

    /// One interval: forgets rooms outside `localRooms`, reports older than
    /// the expiry and those of `departedNodes`; returns the events due now,
    /// by room.
    mutating func round(nowMs: Int64, localRooms: Set<UUID>, departedNodes: Set<String> = []) -> [UUID: ActiveSpeakers] {
        var due: [UUID: ActiveSpeakers] = [:]
        for roomId in Array(rooms.keys) {
            guard localRooms.contains(roomId), var room = rooms[roomId] else {
                rooms[roomId] = nil
                continue
            }
            room.reports = room.reports.filter { node, report in
                !departedNodes.contains(node) && nowMs - report.receivedAtMs < expiryMs
            }
            let ranking = Self.ranking(room.reports.values.map(\.levels))
            if ranking != room.sent, room.sentAtMs.map({ nowMs - $0 >= intervalMs }) ?? true {
                room.sent = ranking
                room.sentAtMs = nowMs
                due[roomId] = ActiveSpeakers(speakers: ranking)
            }
            rooms[roomId] = room.reports.isEmpty && room.sent.isEmpty ? nil : room
        }
        return due
    }

    /// The ranking last sent to the room, for a socket that joins it now
    /// (nil when nobody speaks or the room is not held): the event goes out
    /// only on change, so a newcomer would otherwise wait for the next one.
    func current(_ roomId: UUID) -> ActiveSpeakers? {
        guard let sent = rooms[roomId]?.sent, !sent.isEmpty else { return nil }
        return ActiveSpeakers(speakers: sent)
    }

    /// Who speaks now in each of `rooms`: every participant with a level
    /// above 0 in a report not yet expired (no ``maxSpeakers`` cut): what a
    /// talk-time sample counts (``TalkTimeLedger``).
    func speaking(in rooms: some Sequence<UUID>, nowMs: Int64) -> [UUID: Set<UUID>] {
        var result: [UUID: Set<UUID>] = [:]
        for roomId in rooms {
            guard let room = self.rooms[roomId] else { continue }
            var ids: Set<UUID> = []
            for report in room.reports.values where nowMs - report.receivedAtMs < self.expiryMs {
                ids.formUnion(report.levels.keys)
            }
            if !ids.isEmpty { result[roomId] = ids }
        }
        return result
    }

    /// Rooms held (tests: the state stays bounded).
    var roomCount: Int { rooms.count }

    /// Each participant's highest level over the reports, loudest first,
    /// equal levels by id, at most ``maxSpeakers``.
    static func ranking(_ reports: [[UUID: Int]]) -> [ActiveSpeakers.Speaker] {
        var best: [UUID: Int] = [:]
        for report in reports {
            for (participantId, level) in report { best[participantId] = max(best[participantId] ?? 0, level) }
        }
        return best.map { ActiveSpeakers.Speaker(participantId: $0.key, level: $0.value) }
            .sorted { ($0.level, $1.participantId.uuidString) > ($1.level, $0.participantId.uuidString) }
            .prefix(maxSpeakers).map { $0 }
    }
}
