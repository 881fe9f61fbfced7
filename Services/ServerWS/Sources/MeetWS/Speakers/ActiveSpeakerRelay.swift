import Foundation
import Logging
import MeetProtocol
import NIOConcurrencyHelpers
public import ServiceLifecycle

/// The replica's ``ActiveSpeakerBoard`` behind a lock: the SFU event pump
/// records the nodes' reports into it (``SFUEventRouter``), and every
/// `MEET_WS_ACTIVE_SPEAKERS_INTERVAL_MS` a round sends each room whose
/// ranking changed its `active-speakers` event, to this replica's own
/// sessions of the room (``SignalingHub/deliver(local:)``; every replica
/// builds the same ranking from the same reports, so none goes through the
/// room channel).
public final class ActiveSpeakerRelay: Sendable {
    private let board: NIOLockedValueBox<ActiveSpeakerBoard>
    /// Zero: active speakers are off on this replica.
    let interval: Duration

    init(interval: Duration) {
        self.interval = interval
        self.board = NIOLockedValueBox(ActiveSpeakerBoard(interval: interval))
    }

    /// A node's report (from the SFU event channel).
    func record(_ event: SFUAudioLevelsEvent, nowMs: Int64) {
        guard self.interval > .zero else { return }
        self.board.withLockedValue { $0.record(event, nowMs: nowMs) }
    }

    /// One round: what is due for the rooms this replica holds sessions of,
    /// nodes found lost dropping out at once.
    func round(nowMs: Int64, localRooms: Set<UUID>, lostNodes: Set<String>) -> [UUID: ActiveSpeakers] {
        self.board.withLockedValue { $0.round(nowMs: nowMs, localRooms: localRooms, departedNodes: lostNodes) }
    }

    /// Who speaks now in each of `rooms` (``ActiveSpeakerBoard/speaking(in:nowMs:)``).
    func speaking(in rooms: Set<UUID>, nowMs: Int64) -> [UUID: Set<UUID>] {
        self.board.withLockedValue { $0.speaking(in: rooms, nowMs: nowMs) }
    }

    /// The room's ranking as last sent, for a socket that joins it now.
    func current(in meetingId: UUID) -> ActiveSpeakers? {
        self.board.withLockedValue { $0.current(meetingId) }
    }

    /// Rooms the board holds (tests).
    var roomCount: Int { self.board.withLockedValue { $0.roomCount } }
}

extension SignalingServices {
    /// One active-speaker round: builds the due events and hands each to
    /// the local sessions of its room. Draining nodes keep their reports
    /// (they still forward while their clients move); lost ones drop out.
    /// The same round samples talk time: the speakers among this replica's
    /// own sessions (``TalkTimeRecorder``).
    func sendActiveSpeakers() async {
        let rooms = Set(await self.hub.meetingIds())
        let lost = Set(self.sfu.departures.departed.filter { $0.value == .nodeLost }.keys)
        let nowMs = self.sfu.nowMs()
        let due = self.speakers.round(nowMs: nowMs, localRooms: rooms, lostNodes: lost)
        if self.talk.isEnabled {
            let speaking = self.speakers.speaking(in: rooms, nowMs: nowMs)
            var local: Set<UUID> = []
            if !speaking.isEmpty { local = await self.hub.localSpeakers(speaking) }
            self.talk.sample(speaking: local, nowMs: nowMs)
        }
        for (meetingId, speakers) in due {
            await self.hub.deliver(local: self.roomMessage(.activeSpeakers(speakers), meetingId: meetingId, audience: .participants))
        }
    }
}

/// Runs ``SignalingServices/sendActiveSpeakers()`` every
/// `MEET_WS_ACTIVE_SPEAKERS_INTERVAL_MS` (nothing when it is 0).
public struct ActiveSpeakerService: Service {
    let services: SignalingServices

    public init(services: SignalingServices) {
        self.services = services
    }

    public func run() async throws {
        let interval = self.services.speakers.interval
        guard interval > .zero else { return }
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                await self.services.sendActiveSpeakers()
            }
        }
    }
}
