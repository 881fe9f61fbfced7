import Foundation
import Logging
import MeetProtocol

extension Session {
    /// `join`: enter the room (or its waiting room), or resume a seat kept
    /// from a dropped socket, in which case nobody else hears of it.
    ///
    /// PostgreSQL decides, not the token, in one call: the seat is taken
    /// atomically against the capacity, the role is the one the participant has now,
    /// and a non-member of a waiting-room meeting waits even when its REST
    /// join found it a member.
    func join(_ id: String?) async {
        if self.identity.isRecorder { return await self.joinHidden(id) }
        let identity = self.identity
        do {
            // One read: taking the seat also says why there is none.
            let role: MemberRole
            let seatWaiting: Bool
            switch try await self.services.participants.takeSeat(
                participantId: identity.participantId, meetingId: identity.meetingId, replicaId: self.services.replicaId,
                admitting: false)
            {
            case .joined(let current): (role, seatWaiting) = (current, false)
            case .waiting(let current): (role, seatWaiting) = (current, true)
            case .full:
                await self.fail(id, .meetingFull, "the meeting is at its capacity")
                return await self.end(code: CloseCode.meetingFull, reason: "meeting full", settled: true)
            case .unknown:
                await self.fail(id, .forbidden, "this participant does not exist")
                return await self.end(code: CloseCode.forbidden, reason: "unknown participant", settled: true)
            case .ended:
                await self.fail(id, .meetingEnded, "the meeting has ended")
                return await self.end(code: CloseCode.forbidden, reason: "not allowed", settled: true)
            case .gone:
                await self.fail(id, .forbidden, "this join is over")
                return await self.end(code: CloseCode.forbidden, reason: "not allowed", settled: true)
            }
            self.machine.updateRole(role)
            self.record.participant.role = role
            try await self.services.hub.enterRoom(self.connectionId, meetingId: identity.meetingId)
            var record = self.record
            record.status = seatWaiting ? .waiting : .joined
            let outcome = try await self.services.presence.join(
                meetingId: identity.meetingId, record: record, ttl: self.services.configuration.presenceTTL)
            self.record = outcome.stored
            let resumed = outcome.previous != nil
            if let previous = outcome.previous, previous.connectionId != self.connectionId {
                // Close the old socket if it is somehow still open (two tabs, a half-open TCP).
                try await self.services.instruct(.replace, record: previous, connectionId: previous.connectionId)
            }
            let waiting = outcome.stored.status == .waiting
            self.machine.joined(waiting: waiting)
            self.logger.info("joined", metadata: ["resumed": "\(resumed)", "waiting": "\(waiting)"])
            if waiting {
                await self.reply(id, .waiting(WaitingData(meetingId: identity.meetingId, participantId: identity.participantId)))
                await SeatDriver(session: self).sendCredentials()
                if !resumed {
                    try await self.services.publish(
                        .admissionRequest(ParticipantEvent(participant: outcome.stored.participant)),
                        meetingId: identity.meetingId, audience: .hosts)
                }
            } else {
                await self.loadBreakout()
                let snapshot = self.breakout.filter(try await self.services.snapshot(for: self.identity, resumed: resumed))
                await self.reply(id, .joined(snapshot))
                await SeatDriver(session: self).sendCredentials()
                await self.sendBreakoutPlan()
                await self.sendCurrentSpeakers()
                if resumed, let previous = outcome.previous, previous.participant.role != role {
                    // The role changed while the socket was away: tell the room now
                    // (after `joined`, so a failure is logged, as below).
                    do {
                        try await self.services.publish(
                            .participantUpdated(ParticipantEvent(participant: outcome.stored.participant)),
                            meetingId: identity.meetingId, audience: .participants)
                    } catch {
                        self.logger.warning("resumed; the room was not told of the new role", metadata: ["error": "\(error)"])
                    }
                }
                if resumed {
                    // The rooms may have moved people apart while the socket was away.
                    await BreakoutSubscriptions(session: self).closeOutOfScope()
                    await MigrationDriver(session: self).resumed(with: snapshot)
                }
                if !resumed {
                    // After `joined`: the seat is taken and stored, so a failed announcement
                    // (Redis froze just now) is logged, not answered with a second outcome
                    // that also dropped the socket from its room (issue #23).
                    do {
                        try await self.services.publish(
                            .participantJoined(ParticipantEvent(participant: outcome.stored.participant)),
                            meetingId: identity.meetingId, audience: .participants, exclude: identity.participantId)
                    } catch {
                        self.logger.warning("joined; the room was not told (its snapshots list the seat)", metadata: ["error": "\(error)"])
                    }
                }
            }
        } catch {
            self.logger.warning("join failed", metadata: ["error": "\(error)"])
            self.machine.joinFailed()
            await self.services.hub.leaveRoom(self.connectionId, meetingId: identity.meetingId)
            await self.fail(id, .unavailable, "could not join right now; retry")
        }
    }

    /// `leave`: give the seat up now (no grace) and close.
    func leave(_ id: String?) async {
        let identity = self.identity
        do {
            if self.machine.isInRoom, let removed = try await self.services.presence.remove(identity.presenceKey) {
                try await self.services.announceGone(meetingId: identity.meetingId, record: removed, reason: .left)
            } else {
                try await self.services.participants.markGone(participantId: identity.participantId, status: .left)
            }
            await self.reply(id, .ack(AckData()))
            await self.end(code: CloseCode.normal, reason: "left", settled: true)
        } catch {
            self.logger.warning("leave failed", metadata: ["error": "\(error)"])
            await self.fail(id, .unavailable, "could not leave right now; retry")
        }
    }

    /// A host admitted this waiting participant: presence and PostgreSQL
    /// are already updated by the host's replica; show the room.
    func admitted() async {
        guard self.machine.admitted() else { return }
        self.record.status = .joined
        do {
            await self.loadBreakout()
            await self.reply(nil, .admitted(self.breakout.filter(try await self.services.snapshot(for: self.identity, resumed: false))))
            await self.sendBreakoutPlan()
            await self.sendCurrentSpeakers()
        } catch {
            self.logger.warning("snapshot after admission failed", metadata: ["error": "\(error)"])
            await self.end(code: CloseCode.goingAway, reason: "retry", settled: false)
        }
    }

    /// Right after the snapshot: the room's `active-speakers` ranking as
    /// this replica last sent it (it is sent to the room only on change).
    private func sendCurrentSpeakers() async {
        guard let speakers = self.services.speakers.current(in: self.identity.meetingId) else { return }
        await self.reply(nil, .activeSpeakers(self.breakout.filter(speakers)))
    }
}
