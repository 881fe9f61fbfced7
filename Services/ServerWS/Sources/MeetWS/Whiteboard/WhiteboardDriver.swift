import Foundation
import Logging
import MeetProtocol

/// `whiteboard-op` and `whiteboard-sync` for one session (docs/signaling.md,
/// Whiteboard). The op's shape and rate were checked by ``SessionMachine``;
/// here the sender's standing is read from PostgreSQL at each op (a token's
/// role is only a hint, and a host demoted a second ago draws on a locked
/// board no more), the store orders and keeps it, and the room hears it.
struct WhiteboardDriver {
    let session: any SessionContext

    /// One op: stored with its `seq` (or refused with an `error` naming
    /// why), acknowledged (`ack` with `messageId` the `seq`), then fanned
    /// out to the room, the sender included. When the fan-out fails (Redis)
    /// the op is kept and acknowledged: clients that missed it see a gap
    /// at the next op and `whiteboard-sync`.
    func apply(_ id: String?, _ op: WhiteboardOp) async throws {
        let services = self.session.services
        let identity = self.session.identity
        guard let standing = try await services.participants.standing(participantId: identity.participantId),
            standing.meetingId == identity.meetingId, standing.status == .joined, standing.meetingStatus == .active
        else {
            return await self.session.fail(id, .forbidden, "you are not in this meeting any more")
        }
        if standing.role != identity.role { try await SeatDriver(session: self.session).adopt(role: standing.role) }
        let outcome = try await services.whiteboard.append(
            meetingId: identity.meetingId, participantId: identity.participantId, op: op, asHost: standing.mayManage,
            limits: services.configuration.whiteboard)
        let event: WhiteboardOpEvent
        switch outcome {
        case .failure(let refusal):
            services.metrics.whiteboardOp(refused: refusal)
            return await self.session.fail(id, refusal.error)
        case .success(let stored): event = stored
        }
        services.metrics.whiteboardOp(refused: nil)
        await self.session.reply(id, .ack(AckData(messageId: String(event.seq), createdAt: event.createdAt)))
        do {
            try await self.session.tellRoom(.whiteboardOp(event), audience: .participants)
        } catch {
            self.session.logger.warning(
                "whiteboard op stored; fan-out failed, clients catch up with whiteboard-sync",
                metadata: ["seq": "\(event.seq)", "error": "\(error)"])
        }
    }

    /// `whiteboard-sync`: the board's ops after `since` (all when nil).
    func sync(_ id: String?, since: Int64?) async throws {
        let state = try await self.session.services.whiteboard.state(meetingId: self.session.identity.meetingId, since: since)
        await self.session.reply(id, .whiteboardState(state))
    }
}
