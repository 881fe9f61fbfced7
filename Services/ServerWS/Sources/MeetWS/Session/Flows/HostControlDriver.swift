import Foundation
import Logging
import MeetProtocol

/// Runs a host control (``HostControlFlow``) against presence, PostgreSQL,
/// the SFU nodes and the bus. The sender's right to it was checked against
/// PostgreSQL just before (``SeatDriver/authorizeHost(_:_:)``).
struct HostControlDriver {
    let session: any SessionContext

    func run(_ id: String?, _ command: HostControlFlow.Command) async throws {
        let services = self.session.services
        var flow = HostControlFlow(host: self.session.identity.participantId, meetingId: self.session.identity.meetingId, command: command)
        var target: PresenceRecord?
        if let key = flow.targetKey { target = try await services.presence.get(key) }
        var actions = flow.start(target: target)
        while !actions.isEmpty {
            var next: [HostControlFlow.Action] = []
            for action in actions {
                switch action {
                case .fail(let error):
                    return await self.session.fail(id, error)
                case .remove(let key):
                    next = flow.removed(try await services.presence.remove(key))
                case .takeSeat(let participantId):
                    next = flow.seatTaken(
                        try await services.participants.takeSeat(
                            participantId: participantId, meetingId: self.session.identity.meetingId, replicaId: nil, admitting: true))
                case .store(let record):
                    next = flow.stored(try await services.presence.replace(meetingId: self.session.identity.meetingId, record: record))
                case .endMeeting:
                    try await RecordingDriver.stopAtEnd(identity: self.session.identity, services: services)
                    try await services.participants.endMeeting(meetingId: self.session.identity.meetingId)
                    next = flow.ended(try await services.presence.removeAll(meetingId: self.session.identity.meetingId))
                case .announceGone(let record, let reason):
                    try await services.announceGone(
                        meetingId: self.session.identity.meetingId, record: record, reason: reason, by: flow.host)
                case .recordKick(let participantId):
                    try await services.participants.kick(participantId: participantId, by: flow.host)
                case .markLeft(let participantId):
                    try await services.participants.markGone(participantId: participantId, status: .left)
                case .enforceMute(let request, let nodeId):
                    do throws(SFUFailure) {
                        _ = try await services.sfu.call(SFUControlType.setMute, request, node: nodeId, as: SetMuteReply.self)
                    } catch {
                        // The request still reaches the target; the node could not enforce it.
                        self.session.logger.warning("hard mute failed on the node", metadata: ["sfu.node": "\(nodeId)", "error": "\(error)"])
                    }
                case .instruct(let inbox, let record, let reason, let kind):
                    try await services.instruct(inbox, record: record, by: flow.host, reason: reason, kind: kind)
                case .closeParticipants(let records):
                    for record in records { await services.sfu.closeParticipant(record.participant.id, on: record.sfuNodes) }
                    self.session.logger.info("meeting ended by host")
                case .ack:
                    await self.session.reply(id, .ack(AckData()))
                case .tellRoom(let message, let audience, let exclude):
                    try await self.session.tellRoom(message, audience: audience, exclude: exclude)
                }
            }
            actions = next
        }
    }
}
