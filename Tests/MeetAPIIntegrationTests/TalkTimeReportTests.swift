import Foundation
import Logging
import MeetCore
import MeetDatabase
import MeetProtocol
import PostgresNIO
import Synchronization
import Testing
@testable import MeetAPI
@testable import MeetWS

/// Talk time from meet-ws's recorders to meet-api's reports, on the test
/// PostgreSQL, with a test clock (the samples' times are inputs): two
/// replicas that both measured a participant across a resume, a flush that
/// failed, and one whose write committed but whose answer was lost, still
/// give each second once in the meeting's attendance and in the user's
/// report.
@Suite("Talk time: recorders to reports")
struct TalkTimeReportTests {
    /// A ``TalkTimeStore`` that fails its first writes: before writing, or
    /// after (the write committed, the caller sees an error and retries).
    final class FlakyStore: TalkTimeStore {
        enum Mode { case failBeforeWrite, failAfterWrite }
        let base: any TalkTimeStore
        let failures: Mutex<[Mode]>

        init(base: any TalkTimeStore, failures: [Mode]) {
            self.base = base
            self.failures = Mutex(failures)
        }

        struct Injected: Error {}

        func merge(_ rows: [TalkSecondsRow]) async throws {
            let mode: Mode? = self.failures.withLock { $0.isEmpty ? nil : $0.removeFirst() }
            if mode == .failBeforeWrite { throw Injected() }
            try await self.base.merge(rows)
            if mode == .failAfterWrite { throw Injected() }
        }
    }

    /// 2027-01-15T08:00:00Z, on a minute boundary.
    static let t0: Int64 = 1_800_000_000_000

    /// Samples `speaking` on `recorder` every 250 ms over [from, to) (ms after ``t0``).
    static func speak(_ recorder: TalkTimeRecorder, _ speaking: Set<UUID>, from: Int64, to: Int64) {
        var t = from
        while t < to {
            recorder.sample(speaking: speaking, nowMs: Self.t0 + t)
            t += 250
        }
        recorder.sample(speaking: [], nowMs: Self.t0 + to)
    }

    @Test("two replicas across a resume, a failed flush and a retried one: each second once")
    func exactlyOnce() async throws {
        try await IntegrationDatabase.withDatabase { database in
            let storage = APIStorage.postgres(database, migrate: false)
            let owner = try await storage.users.create(email: StorageContractTests.email(), passwordHash: "h", displayName: "Ann")
            let meeting = try await StorageContractTests.meeting(storage, owner: owner.id)
            var annSeat = StorageContractTests.guest(meeting)
            annSeat.userId = owner.id
            annSeat.role = .owner
            annSeat.displayName = "Ann"
            let bobSeat = StorageContractTests.guest(meeting)
            for seat in [annSeat, bobSeat] {
                guard case .admitted = try await storage.participants.admit(seat, liveWindow: .seconds(300)) else {
                    Issue.record("a seat was refused")
                    return
                }
                _ = try await database.query("UPDATE participants SET status = 'joined', joined_at = now() WHERE id = \(seat.id)")
            }
            let (ann, bob) = (annSeat.id, bobSeat.id)
            let store = PostgresTalkTimeStore(database: database)
            let logger = Logger(label: "test.talk")
            // Replica 0's first write fails outright; replica 1's commits but answers with an error.
            let replica0 = TalkTimeRecorder(
                store: FlakyStore(base: store, failures: [.failBeforeWrite]), sampleInterval: .milliseconds(250),
                flushInterval: .seconds(15), logger: logger)
            let replica1 = TalkTimeRecorder(
                store: FlakyStore(base: store, failures: [.failAfterWrite]), sampleInterval: .milliseconds(250),
                flushInterval: .seconds(15), logger: logger)

            // Ann speaks on replica 0 from 5 s before the minute to 10 s after
            // (seconds -5 ... 9); Bob is there and quiet.
            Self.speak(replica0, [ann], from: -5_000, to: 10_000)
            #expect(await replica0.flush() == false && replica0.pendingRows == 2, "kept: two minutes' rows")
            // Her socket resumes on replica 1, which measures her from 8 s
            // (seconds 8 ... 14) while replica 0 still held the old one for 2 s.
            Self.speak(replica1, [ann], from: 8_000, to: 15_000)
            #expect(await replica1.flush() == false, "committed, but the answer was an error: kept")
            #expect(await replica1.flush() && replica1.pendingRows == 0, "written again: the same bits")
            #expect(await replica0.flush() && replica0.pendingRows == 0)
            // Nothing new: a flush writes nothing.
            #expect(await replica0.flush())
            // A seat that no longer exists is skipped, not an error for the batch.
            try await store.merge([TalkSecondsRow(participantId: UUID(), minute: 1, seconds: 1)])

            let now = Date(timeIntervalSince1970: Double(Self.t0) / 1000 + 60)
            let report = AttendanceReport.meeting(
                meeting, rows: try await storage.participants.attendance(meetingId: meeting.id), chatMessages: 0, now: now)
            let talk = Dictionary(uniqueKeysWithValues: report.attendance.map { ($0.participantId, $0.talkSeconds) })
            #expect(talk[ann] == 20, "-5 ... 14: 20 seconds, not 15 + 7 + 7 (the overlap and the retry counted again)")
            #expect(talk[bob] == 0)

            let mine = AttendanceReport.user(
                owner.id, hosted: 1, seats: try await storage.participants.participations(userId: owner.id, limit: 10), now: now)
            #expect(mine.meetings.map(\.talkSeconds) == [20] && mine.talkSeconds == 20)
        }
    }
}
