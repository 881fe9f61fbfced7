import Foundation
import MeetProtocol
import Testing
@testable import MeetAPI

/// A member who is not a host never sees the recorder volume's absolute
/// path in `storageKey` (it used to be listed as written); S3 keys and
/// everything else stay as they are.
@Suite("Recording as viewers see it")
struct RecordingViewersTests {
    @Test("a directory file's key is its place below the recordings root; an S3 key is kept")
    func keys() {
        func file(_ key: String, _ storage: String) -> RecordingFile {
            RecordingFile(
                id: UUID(), segment: 0, participantId: nil, trackId: "t:0", kind: "audio", codec: "opus", storageKey: key, bytes: 1,
                startMs: 0, durationMs: 1, lostPackets: 0, storage: storage)
        }
        let recording = RecordingResponse(
            id: UUID(), status: .stopped, startedBy: nil, stopReason: nil, createdAt: Date(), startedAt: nil, endedAt: nil,
            files: [file("/var/lib/meet/recordings/abc-defg-hij/r1/seg0-p-t0.webm", "directory"), file("abc-defg-hij/r1/seg0-p-t1.webm", "s3")])
        let seen = recording.forViewers()
        #expect(seen.files?.map(\.storageKey) == ["abc-defg-hij/r1/seg0-p-t0.webm", "abc-defg-hij/r1/seg0-p-t1.webm"])
        #expect(seen.files?.map(\.id) == recording.files?.map(\.id))
        #expect(seen.id == recording.id)
    }
}
