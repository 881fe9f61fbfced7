import Foundation
import MeetProtocol

/// The `recordings` rows of meetings (``MeetSchema`` version 5,
/// docs/dev/recording.md): hosts start and stop, members list.
///
/// "One active recording per meeting" is the storage's to enforce, not the
/// caller's: on PostgreSQL the partial unique index decides between two
/// replicas starting at once, so a check-then-insert here would be a race.
protocol RecordingRepository: Sendable {
    /// A new recording in `starting`; ``RecordingRepositoryError/alreadyActive`` when the
    /// meeting has an active one.
    func start(meetingId: UUID, startedBy: UUID) async throws -> RecordingResponse
    /// Asks the meeting's active recording to stop: one no recorder has
    /// claimed yet (`starting`) has nothing to close and is `stopped` at once;
    /// one `recording` becomes `stopping` (its recorder closes the files and
    /// sets `stopped`); one already `stopping` is returned as it is. Nil when
    /// the meeting has no active recording.
    func stop(meetingId: UUID, reason: String) async throws -> RecordingResponse?
    /// The meeting's recordings, newest first.
    func list(meetingId: UUID) async throws -> [RecordingResponse]
}

enum RecordingRepositoryError: Error, Equatable {
    /// The meeting already has an active recording.
    case alreadyActive
}
