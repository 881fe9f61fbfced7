import Foundation
import MeetProtocol
import MeetStorage

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

    // MARK: Playback and retention (docs/dev/recording.md, "Playback")

    /// A recording not deleted, with its meeting and files; nil when there is none.
    func find(recordingId: UUID) async throws -> (meetingId: UUID, recording: RecordingResponse)?
    /// Where one of a recording's files is kept; nil when the recording has no such file.
    func storedFile(recordingId: UUID, fileId: UUID) async throws -> StoredRecordingFile?
    /// Every file of a recording, for deletion.
    func storedFiles(recordingId: UUID) async throws -> [StoredRecordingFile]
    /// `meetings.recording_access`.
    func access(meetingId: UUID) async throws -> RecordingAccess
    func setAccess(meetingId: UUID, access: RecordingAccess) async throws
    /// True when the user ever had a seat in the meeting (a `participants` row).
    func participated(meetingId: UUID, userId: UUID) async throws -> Bool
    /// Recordings that ended (`stopped` or `failed`) before `cutoff` and are
    /// not deleted, oldest first, at most `limit`.
    func expired(before cutoff: Date, limit: Int) async throws -> [UUID]
    /// The recording's files are gone: its file rows are dropped and it is
    /// marked deleted (it no longer lists or plays). False when it was not
    /// there or already deleted.
    @discardableResult
    func markDeleted(recordingId: UUID) async throws -> Bool
}

/// A finished file of a recording and the store that holds it.
struct StoredRecordingFile: Sendable, Equatable {
    var id: UUID
    var storage: RecordingStoreKind
    var key: String
    /// `audio`, `video` or `composite`.
    var kind: String
    var codec: String
}

enum RecordingRepositoryError: Error, Equatable {
    /// The meeting already has an active recording.
    case alreadyActive
}
