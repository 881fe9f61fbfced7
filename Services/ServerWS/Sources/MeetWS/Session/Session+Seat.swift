import Foundation
import MeetProtocol

/// The seat behind a socket: its resume credential, and its role as
/// PostgreSQL has it now.
///
/// A join token lives minutes; a seat lives as long as the meeting. So a
/// seated socket (joined or waiting) gets a resume token right after
/// `joined`/`waiting` and a fresh one every third of its lifetime: whatever
/// moment its replica dies, the client holds a valid credential for its
/// seat. The role in either token is a hint only: host controls re-read
/// the role from PostgreSQL each time, and a membership change announced by
/// meet-api (``RoomBusMessage/seatChangedType``) re-reads it at once.
extension Session {
    /// Starts the timer that asks this session to renew its credential.
    func scheduleRenewals() -> Task<Void, Never> {
        let interval = self.services.configuration.credentialRenewalInterval
        let mailbox = self.mailbox
        return Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if Task.isCancelled { return }
                mailbox.deliver(.renewCredentials)
            }
        }
    }

    /// Sends `credentials`: a resume token for this seat. Not before the
    /// seat is taken, so a socket that never joined cannot outlive its join token.
    func sendCredentials() async {
        guard self.machine.isInRoom, let tokens = self.services.tokens else { return }
        let identity = self.identity
        let claims = JoinTokenClaims(
            meetingId: identity.meetingId, meetingCode: identity.meetingCode, participantId: identity.participantId,
            role: identity.role, status: self.machine.state == .waiting ? .waiting : .joined, userId: identity.userId,
            guestId: nil, displayName: identity.displayName, issuedAt: Date(), expiresAt: Date())
        do {
            let minted = try await tokens.makeResumeToken(claims, ttl: self.services.configuration.resumeTokenTTL)
            await self.reply(nil, .credentials(ResumeCredentials(resumeToken: minted.token, expiresAt: minted.expiresAt)))
        } catch {
            self.logger.warning("could not mint a resume token", metadata: ["error": "\(error)"])
        }
    }

    /// Checks, against PostgreSQL, that this participant may use host
    /// controls now; answers `forbidden` when not. Also adopts a role that
    /// changed without this socket hearing of it.
    func authorizeHost(_ id: String?, _ type: String) async throws -> Bool {
        guard let standing = try await self.services.participants.standing(participantId: self.identity.participantId),
            standing.meetingId == self.identity.meetingId
        else {
            await self.fail(id, .forbidden, "only hosts may \(type)")
            return false
        }
        if standing.role != self.identity.role { try await self.adopt(role: standing.role) }
        guard standing.mayManage else {
            await self.fail(id, standing.meetingStatus == .ended ? .meetingEnded : .forbidden, "only hosts may \(type)")
            return false
        }
        return true
    }

    /// meet-api changed this user's membership: re-read the role and announce it.
    func refreshRole() async {
        guard self.machine.isInRoom else { return }
        do {
            guard let standing = try await self.services.participants.standing(participantId: self.identity.participantId),
                standing.mayConnect, standing.role != self.identity.role
            else { return }
            try await self.adopt(role: standing.role)
        } catch {
            self.logger.warning("could not refresh the role", metadata: ["error": "\(error)"])
        }
    }

    /// Takes `role` as this participant's role: host events and controls
    /// follow it, presence shows it, and the room hears `participant-updated`
    /// (the participant itself included). A host demoted while it is in the
    /// room no longer receives the waiting room.
    func adopt(role: MemberRole) async throws {
        let previous = self.identity.role
        self.machine.updateRole(role)
        guard previous != role, self.machine.isInRoom else {
            self.record.participant.role = role
            return
        }
        var updated = self.record
        updated.participant.role = role
        if try await self.services.presence.replace(meetingId: self.identity.meetingId, record: updated) {
            self.record = updated
        } else {
            self.record.participant.role = role
        }
        self.logger.info("role changed", metadata: ["role.before": "\(previous)", "role": "\(role)"])
        if self.machine.state == .joined {
            try await self.services.publish(
                .participantUpdated(ParticipantEvent(participant: self.record.participant)),
                meetingId: self.identity.meetingId, audience: .participants)
        }
        await self.sendCredentials()
    }
}
