import Foundation
import Logging
import MeetCore
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
    let database: Database
    let notifier: any RoomNotifier
    let logger: Logger

    /// `userId`'s membership of `meetingId` changed (or ended): update its
    /// live seats and tell the room. Never throws: the REST change stands.
    func changed(meetingId: UUID, userId: UUID) async {
        do {
            _ = try await self.database.query(
                """
                UPDATE participants p
                SET role = CASE WHEN m.owner_id = p.user_id THEN 'owner'
                                ELSE COALESCE((SELECT role FROM members WHERE meeting_id = p.meeting_id AND user_id = p.user_id), 'attendee') END
                FROM meetings m
                WHERE m.id = p.meeting_id AND p.meeting_id = \(meetingId) AND p.user_id = \(userId)
                  AND p.status IN ('joining', 'waiting', 'joined')
                """)
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
}
