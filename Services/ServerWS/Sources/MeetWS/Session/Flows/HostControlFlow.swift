import Foundation
import MeetProtocol

/// One host control (`mute`, `kick`, `admit`, `deny`, `end-meeting`), sans
/// I/O, once PostgreSQL has confirmed the sender may manage the room: what
/// to change, whom to instruct, what the room hears. ``HostControlDriver``
/// carries out each step's actions in order; the last action of a step may
/// ask for a result (``Action/remove(_:)``, ``Action/takeSeat(_:)``,
/// ``Action/store(_:)``, ``Action/endMeeting``), which it feeds back.
struct HostControlFlow: Sendable {
    enum Action: Sendable, Equatable {
        case fail(SignalingError)
        /// Remove the target from presence, then ``removed(_:)``.
        case remove(PresenceKey)
        /// Take the waiting target's seat in PostgreSQL, then ``seatTaken(_:)``.
        case takeSeat(UUID)
        /// Write the target's presence record, then ``stored(_:)``.
        case store(PresenceRecord)
        /// End the meeting in PostgreSQL and empty its presence, then ``ended(_:)``.
        case endMeeting
        /// Tell the room `record` is gone and record it in PostgreSQL (a kick
        /// ends the participation and bans it in one transaction).
        case announceGone(PresenceRecord, LeaveReason)
        /// Record a kick (participation ended, ban) of a target not in presence.
        case recordKick(UUID)
        /// End a waiting participation (`left`).
        case markLeft(UUID)
        /// Have the target's node stop forwarding a kind (`sfu.set-mute`); a failure is only logged.
        case enforceMute(SetMuteRequest, nodeId: String)
        /// Instruct the replica holding the target's socket.
        case instruct(InboxAction, PresenceRecord, reason: String? = nil, kind: MediaKind? = nil)
        /// `sfu.close-participant` on every node where these participants held transports.
        case closeParticipants([PresenceRecord])
        case ack
        case tellRoom(ServerMessage, RoomAudience, exclude: UUID? = nil)
    }

    enum Command: Sendable, Equatable {
        case mute(MuteCommand)
        case kick(TargetCommand)
        case admit(TargetCommand)
        case deny(TargetCommand)
        case endMeeting
    }

    let host: UUID
    let meetingId: UUID
    let command: Command
    private var target: PresenceRecord?

    init(host: UUID, meetingId: UUID, command: Command) {
        self.host = host
        self.meetingId = meetingId
        self.command = command
    }

    /// Whose presence record the first step needs (nil: none).
    var targetKey: PresenceKey? {
        switch self.command {
        case .mute(let command): self.key(command.participantId)
        case .kick(let command), .admit(let command), .deny(let command): self.key(command.participantId)
        case .endMeeting: nil
        }
    }

    /// The first step, given the target's presence record (nil when absent or not asked).
    mutating func start(target: PresenceRecord?) -> [Action] {
        self.target = target
        let notWaiting = [Action.fail(SignalingError(.notFound, "nobody with that id is waiting"))]
        switch self.command {
        case .mute(let command):
            guard let target, target.status == .joined else { return [.fail(SignalingError(.notFound, "no such participant in this room"))] }
            let kind = command.kind ?? .mic
            var actions: [Action] = []
            if let publication = target.publication, publication.tracks.contains(where: { $0.kind == kind }) {
                let request = SetMuteRequest(participantId: command.participantId.uuidString.lowercased(), source: kind.source, muted: true)
                actions.append(.enforceMute(request, nodeId: publication.nodeId))
            }
            return actions + [.instruct(.mute, target, kind: kind), .ack]
        case .kick:
            guard let target else { return [.fail(SignalingError(.notFound, "no such participant in this room"))] }
            guard target.participant.role != .owner else { return [.fail(SignalingError(.forbidden, "the owner cannot be kicked"))] }
            return [.remove(self.key(target.participant.id))]
        case .admit:
            guard let target, target.status == .waiting else { return notWaiting }
            return [.takeSeat(target.participant.id)]
        case .deny:
            guard let target, target.status == .waiting else { return notWaiting }
            return [.remove(self.key(target.participant.id))]
        case .endMeeting:
            return [.endMeeting]
        }
    }

    /// Presence removed the target (nil: it was gone already).
    mutating func removed(_ removed: PresenceRecord?) -> [Action] {
        switch self.command {
        case .kick(let command):
            guard let target = self.target else { return [] }
            // A kick sticks: REST join refuses the user (or the guest's address and device) from now on.
            let record: Action = removed.map { .announceGone($0, .kicked) } ?? .recordKick(command.participantId)
            return [record, .instruct(.kick, target, reason: command.reason), .ack]
        case .deny(let command):
            guard let removed else { return [.fail(SignalingError(.notFound, "nobody with that id is waiting"))] }
            let resolved = AdmissionResolved(participantId: removed.participant.id, outcome: .denied, by: self.host)
            return [
                .markLeft(removed.participant.id), .instruct(.deny, removed, reason: command.reason), .ack,
                .tellRoom(.admissionResolved(resolved), .hosts),
            ]
        default:
            return []
        }
    }

    /// PostgreSQL decided the admitted participant's seat.
    mutating func seatTaken(_ outcome: SeatOutcome) -> [Action] {
        guard case .admit = self.command, var target = self.target else { return [] }
        switch outcome {
        case .joined:
            target.status = .joined
            self.target = target
            return [.store(target)]
        case .full:
            return [.fail(SignalingError(.meetingFull, "the meeting is at its capacity"))]
        case .waiting, .gone, .unknown, .ended:
            return [.fail(SignalingError(.notFound, "nobody with that id is waiting"))]
        }
    }

    /// Presence stored the admitted participant's record (false: it is gone).
    mutating func stored(_ stored: Bool) -> [Action] {
        guard case .admit = self.command, let target = self.target else { return [] }
        guard stored else { return [.fail(SignalingError(.notFound, "nobody with that id is waiting"))] }
        let id = target.participant.id
        return [
            .instruct(.admit, target), .ack,
            .tellRoom(.participantJoined(ParticipantEvent(participant: target.participant)), .participants, exclude: id),
            .tellRoom(.admissionResolved(AdmissionResolved(participantId: id, outcome: .admitted, by: self.host)), .hosts),
        ]
    }

    /// The meeting ended; `removed` were in its presence.
    func ended(_ removed: [PresenceRecord]) -> [Action] {
        [.ack, .tellRoom(.meetingEnded(Removal(by: self.host)), .everyone), .closeParticipants(removed.filter { !$0.sfuNodes.isEmpty })]
    }

    private func key(_ participantId: UUID) -> PresenceKey {
        PresenceKey(meetingId: self.meetingId, participantId: participantId)
    }
}
