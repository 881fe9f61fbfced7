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
}
