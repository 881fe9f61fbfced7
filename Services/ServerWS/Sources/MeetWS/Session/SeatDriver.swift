import Foundation
import Logging
import MeetAuth
import MeetProtocol

/// The seat behind a socket: its resume credential, and its role as
/// PostgreSQL has it now.
///
/// A join token lives minutes; a seat lives as long as the meeting. So a
/// seated socket (joined or waiting) gets a resume token right after
/// `joined`/`waiting` and a fresh one every third of its lifetime (the
/// endpoint's renewal timer): whatever moment its replica dies, the client
/// holds a valid credential for its seat. The role in either token is a
/// hint only: host controls re-read the role from PostgreSQL each time,
/// and a membership change announced by meet-api
/// (``RoomBusMessage/seatChangedType``) re-reads it at once.
struct SeatDriver {
    let session: any SessionContext

    /// Sends `credentials`: a resume token for this seat. Not before the
    /// seat is taken, so a socket that never joined cannot outlive its join token.
    func sendCredentials() async {
        // A recorder seat has no resume token: its recorder token lasts the recording.
        guard self.session.machine.isInRoom, !self.session.identity.isRecorder, let tokens = self.session.tokens else { return }
        let identity = self.session.identity
        let claims = JoinTokenClaims(
            meetingId: identity.meetingId, meetingCode: identity.meetingCode, participantId: identity.participantId,
            role: identity.role, status: self.session.machine.state == .waiting ? .waiting : .joined, userId: identity.userId,
            guestId: nil, displayName: identity.displayName, issuedAt: Date(), expiresAt: Date(), e2ee: identity.e2ee)
        do {
            let minted = try await tokens.makeResumeToken(claims, ttl: self.session.services.configuration.resumeTokenTTL)
            await self.session.reply(nil, .credentials(ResumeCredentials(resumeToken: minted.token, expiresAt: minted.expiresAt)))
        } catch {
            self.session.logger.warning("could not mint a resume token", metadata: ["error": "\(error)"])
        }
    }

    /// Checks, against PostgreSQL, that this participant may use host
    /// controls now; answers `forbidden` when not. Also adopts a role that
    /// changed without this socket hearing of it.
    func authorizeHost(_ id: String?, _ type: String) async throws -> Bool {
        let identity = self.session.identity
        guard let standing = try await self.session.services.participants.standing(participantId: identity.participantId),
            standing.meetingId == identity.meetingId
        else {
            await self.session.fail(id, .forbidden, "only hosts may \(type)")
            return false
        }
        if standing.role != identity.role { try await self.adopt(role: standing.role) }
        guard standing.mayManage else {
            await self.session.fail(id, standing.meetingStatus == .ended ? .meetingEnded : .forbidden, "only hosts may \(type)")
            return false
        }
        return true
    }

    /// What a re-read of the seat found.
    enum SeatCheck: Equatable {
        /// Still live (its role adopted if it changed), or not read (PostgreSQL failed).
        case live
        /// Over: the seat is no longer live (its account was deleted) or
        /// its meeting ended; the socket must go (``Session/seatOver(meetingEnded:)``).
        case over(meetingEnded: Bool)
    }

    /// meet-api changed this user's membership: re-read the role and announce
    /// it, or say the seat is over.
    func refreshRole() async -> SeatCheck {
        guard self.session.machine.isInRoom else { return .live }
        do {
            let standing = try await self.session.services.participants.standing(participantId: self.session.identity.participantId)
            guard let standing, standing.mayConnect else { return .over(meetingEnded: standing?.meetingStatus == .ended) }
            if standing.role != self.session.identity.role { try await self.adopt(role: standing.role) }
        } catch {
            self.session.logger.warning("could not refresh the role", metadata: ["error": "\(error)"])
        }
        return .live
    }

    /// Takes `role` as this participant's role: host events and controls
    /// follow it, presence shows it, and the room hears `participant-updated`
    /// (the participant itself included). A host demoted while it is in the
    /// room no longer receives the waiting room.
    func adopt(role: MemberRole) async throws {
        let previous = self.session.identity.role
        self.session.machine.updateRole(role)
        guard previous != role, self.session.machine.isInRoom else {
            self.session.record.participant.role = role
            return
        }
        if try await !self.session.store({ $0.participant.role = role }) {
            self.session.record.participant.role = role
        }
        self.session.logger.info("role changed", metadata: ["role.before": "\(previous)", "role": "\(role)"])
        if self.session.isJoined {
            try await self.session.tellRoom(.participantUpdated(ParticipantEvent(participant: self.session.record.participant)), audience: .participants)
        }
        await self.sendCredentials()
    }
}
