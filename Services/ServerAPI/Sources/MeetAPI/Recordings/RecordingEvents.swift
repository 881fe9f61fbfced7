import Foundation
import MeetProtocol

/// Who hears that a recording started or stopped: the recorders (the job
/// on the bus) and the people in the room (`recording-started` /
/// `recording-stopped`). The row in PostgreSQL is the truth; these are
/// announcements, so a failure to send one is logged, never the request's
/// failure (docs/dev/recording.md, "Job flow").
protocol RecordingEvents: Sendable {
    func started(_ recording: RecordingResponse, meeting: MeetingRecord) async
    func stopped(_ recording: RecordingResponse, meeting: MeetingRecord) async
}

/// Without Redis (`MEET_REDIS_URL` unset): no recorder and no other
/// replica to tell.
struct SilentRecordingEvents: RecordingEvents {
    func started(_ recording: RecordingResponse, meeting: MeetingRecord) async {}
    func stopped(_ recording: RecordingResponse, meeting: MeetingRecord) async {}
}
