import Foundation
import Logging
import MeetProtocol

extension Session {
    /// `join` of a recorder's hidden seat (docs/dev/recording.md, "The
    /// recorder as a hidden subscriber"). No `participants` row and no
    /// capacity: its standing is its recording being active in PostgreSQL,
    /// read now. Its presence entry (status `recorder`) holds its
    /// subscriptions like anyone's, so the same subscribe, redirect and
    /// migrate paths serve it; snapshots, counts and `participant-joined` /
    /// `-left` leave it out, and ``SessionMachine`` lets it only subscribe.
    func joinHidden(_ id: String?) async {
        let identity = self.identity
        guard let recordingId = identity.recordingId else { return }
        do {
            guard try await self.services.participants.recorderMayConnect(recordingId: recordingId, meetingId: identity.meetingId)
            else {
                await self.fail(id, .forbidden, "this recording is not active")
                return await self.end(code: CloseCode.forbidden, reason: "not allowed", settled: true)
            }
            try await self.services.hub.enterRoom(self.connectionId, meetingId: identity.meetingId)
            var record = self.record
            record.status = .recorder
            let outcome = try await self.services.presence.join(
                meetingId: identity.meetingId, record: record, ttl: self.services.configuration.presenceTTL)
            self.record = outcome.stored
            if let previous = outcome.previous, previous.connectionId != self.connectionId {
                // The recorder reconnected: its old socket goes.
                try await self.services.instruct(.replace, record: previous, connectionId: previous.connectionId)
            }
            self.machine.joined(waiting: false)
            self.logger.info("recorder joined", metadata: ["recording.id": "\(recordingId)", "resumed": "\(outcome.previous != nil)"])
            await self.reply(id, .joined(try await self.services.snapshot(for: identity, resumed: outcome.previous != nil)))
        } catch {
            self.logger.warning("recorder join failed", metadata: ["error": "\(error)"])
            self.machine.joinFailed()
            await self.services.hub.leaveRoom(self.connectionId, meetingId: identity.meetingId)
            await self.fail(id, .unavailable, "could not join right now; retry")
        }
    }

    /// Room events a recorder's seat gets: what it needs to follow the media
    /// (`tracks`, `participant-left`) and its end (`recording-stopped`,
    /// `meeting-ended`). The rest (reactions, active speakers, chat, hands)
    /// would only fill its event queue and could push out one it needs
    /// (review, session 9).
    static let recorderRoomTypes: Set<String> = ["tracks", "participant-left", "recording-stopped", "meeting-ended"]

    /// After its own recording stopped, a recorder's seat stays this long
    /// (the recorder finishes its files and leaves by itself), then its
    /// standing is checked and it is closed if it is still here.
    static let recorderLingerAfterStop: Duration = .seconds(15)

    /// A room event for a recorder's seat: false when it is not one the
    /// seat gets. Its own `recording-stopped` schedules the standing check.
    func recorderAccepts(_ message: RoomBusMessage) -> Bool {
        guard Self.recorderRoomTypes.contains(message.type) else { return false }
        if message.type == "recording-stopped", Self.stoppedRecording(in: message) == self.identity.recordingId {
            Self.checkLater(self.mailbox)
        }
        return true
    }

    /// The recording a `recording-stopped` event names.
    private static func stoppedRecording(in message: RoomBusMessage) -> UUID? {
        guard case .recordingStopped(let stopped)? = try? SignalingCodec.decodeServer(Data(message.frame.utf8)).message else {
            return nil
        }
        return stopped.recordingId
    }

    /// Asks the session for a standing check after ``recorderLingerAfterStop``.
    private static func checkLater(_ mailbox: SessionMailbox) {
        Task {
            try? await Task.sleep(for: Self.recorderLingerAfterStop)
            mailbox.deliver(.renewCredentials)
        }
    }

    /// Checked against PostgreSQL on every credential tick (a third of the
    /// resume token's lifetime) and after the seat's recording stopped: a
    /// seat whose recording is over (stopped, failed, the meeting ended)
    /// leaves the room and its socket closes, whatever the recorder does, so
    /// no hidden listener outlives its recording. A database error keeps it
    /// until the next check.
    func checkRecorderStanding() async {
        guard let recordingId = self.identity.recordingId else { return }
        let meetingId = self.identity.meetingId
        let participants = self.services.participants
        let active: Bool
        do {
            active = try await participants.recorderMayConnect(recordingId: recordingId, meetingId: meetingId)
        } catch {
            return
        }
        guard !active else { return }
        self.logger.notice("recording over; closing the recorder's seat", metadata: ["recording.id": "\(recordingId)"])
        _ = try? await self.services.presence.remove(self.identity.presenceKey)
        await self.end(code: CloseCode.normal, reason: "recording over", settled: true)
    }
}
