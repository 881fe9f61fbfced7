import Foundation
import Logging
import MeetProtocol

/// What a membership change (add, role change, removal over REST) does to
/// the seats its user holds in the meeting right now.
///
/// Their `participants.role` follows at once (REST lists show it), and the
/// room hears of it through ``RoomNotifier``: meet-ws re-reads the role from
/// PostgreSQL and announces `participant-updated`. The notice is a courtesy
/// for open sockets, not the safety: meet-ws checks the role in PostgreSQL
/// before every host control, so a demoted host whose notice was lost still
/// cannot act.
struct MembershipChanges: Sendable {
    let seats: any SeatRoleRepository
    let notifier: any RoomNotifier
    let logger: Logger

    /// `userId`'s membership of `meetingId` changed (or ended): update its
    /// live seats and tell the room. Never throws: the REST change stands.
    func changed(meetingId: UUID, userId: UUID) async {
        do {
            try await self.seats.refreshRole(meetingId: meetingId, userId: userId)
        } catch {
            self.logger.warning("could not update the live seats' role", metadata: ["error": "\(error)"])
        }
        do {
            try await self.notifier.seatChanged(meetingId: meetingId, userId: userId)
        } catch {
            self.logger.warning(
                "could not tell the room of a membership change; sockets learn it at their next host control",
                metadata: ["meeting.id": "\(meetingId)", "error": "\(error)"])
        }
    }

    /// `meetingId` ended over REST (its owner, or an account deletion):
    /// its open sockets are told and closed. Never throws: the end stands,
    /// and a socket that missed the notice is refused at its next join,
    /// resume or host control (PostgreSQL says ended).
    func ended(meetingId: UUID) async {
        do {
            try await self.notifier.meetingEnded(meetingId: meetingId)
        } catch {
            self.logger.warning(
                "could not tell the room the meeting ended; its sockets stay open until their next request",
                metadata: ["meeting.id": "\(meetingId)", "error": "\(error)"])
        }
    }
}
