import Foundation
import Logging
import MeetProtocol
import MeetRedis

/// Who hears that a recording started or stopped: the recorders (the job
/// on the bus) and the people in the room (`recording-started` /
/// `recording-stopped`). The row in PostgreSQL is the truth; these are
/// announcements, so a failure to send one is logged, never the request's
/// failure (docs/dev/recording.md, "Job flow").
protocol RecordingEvents: Sendable {
    /// `seat`: the recorder's way into the meeting, carried by the job.
    func started(_ recording: RecordingResponse, meeting: MeetingRecord, seat: RecorderSeat?) async
    /// `user`: who asked for the stop, when a person did.
    func stopped(_ recording: RecordingResponse, meeting: MeetingRecord, by user: UUID?) async
}

/// Without Redis (`MEET_REDIS_URL` unset): no recorder and no other
/// replica to tell.
struct SilentRecordingEvents: RecordingEvents {
    func started(_ recording: RecordingResponse, meeting: MeetingRecord, seat: RecorderSeat?) async {}
    func stopped(_ recording: RecordingResponse, meeting: MeetingRecord, by user: UUID?) async {}
}

/// Publishes ``RecordingAnnouncements`` through meet-api's Redis client
/// (the one `MEET_REDIS_URL` gives, shared with the rate limits and
/// ``RedisRoomNotifier``).
struct RedisRecordingEvents: RecordingEvents {
    let client: RedisClient
    let announcements: RecordingAnnouncements
    let logger: Logger

    func started(_ recording: RecordingResponse, meeting: MeetingRecord, seat: RecorderSeat?) async {
        await self.publish("started", recording) { try self.announcements.started(recording, meeting: meeting, seat: seat) }
    }

    func stopped(_ recording: RecordingResponse, meeting: MeetingRecord, by user: UUID?) async {
        await self.publish("stopped", recording) { try self.announcements.stopped(recording, meeting: meeting, by: user) }
    }

    private func publish(_ what: String, _ recording: RecordingResponse, _ make: () throws -> [RecordingAnnouncements.Message]) async {
        do {
            for message in try make() {
                _ = try await self.client.publish(message.payload, to: message.channel)
            }
        } catch {
            self.logger.warning(
                "could not announce a recording \(what) on the bus",
                metadata: ["recording.id": "\(recording.id)", "error": "\(error)"])
        }
    }
}
