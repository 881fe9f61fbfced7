import Foundation
import Testing
@testable import MeetAPI

/// Finished periodic jobs do not pile up (the recording retention sweep left
/// one `jobs` row per interval for good): done rows of a kind older than a
/// cutoff go; pending rows, newer ones and other kinds stay.
@Suite("Job purge contract")
struct JobPurgeContractTests {
    @Test("done jobs of a kind before the cutoff are deleted, nothing else", arguments: StorageContractTests.Backend.allCases)
    func purge(_ backend: StorageContractTests.Backend) async throws {
        try await StorageContractTests.withStorage(backend) { storage, _ in
            let kind = "test-\(UUID().uuidString.prefix(8))"
            let other = kind + "-other"
            let past = Date().addingTimeInterval(-5)
            try await storage.jobs.enqueue([
                NewJob(kind: kind, payload: Data("{}".utf8), dedupeKey: "\(kind):1", runAt: past),
                NewJob(kind: other, payload: Data("{}".utf8), dedupeKey: "\(other):1", runAt: past.addingTimeInterval(1)),
                NewJob(kind: kind, payload: Data("{}".utf8), dedupeKey: "\(kind):2", runAt: past.addingTimeInterval(2)),
            ])
            let now = Date().addingTimeInterval(1)
            let claimed = try await storage.jobs.claim(worker: "w", kinds: [kind, other], limit: 2, lease: .seconds(60), now: now)
            #expect(claimed.map(\.kind) == [kind, other])
            for job in claimed { #expect(try await storage.jobs.complete(id: job.id, worker: "w")) }

            // Done just now: not before a cutoff a minute ago.
            #expect(try await storage.jobs.purgeDone(kind: kind, before: Date().addingTimeInterval(-60)) == 0)
            #expect(try await storage.jobs.purgeDone(kind: kind, before: Date().addingTimeInterval(60)) == 1)
            #expect(try await storage.jobs.purgeDone(kind: kind, before: Date().addingTimeInterval(60)) == 0)
            // The pending one of the kind is still there to run, and the other kind's done row stays until asked.
            let pending = try await storage.jobs.claim(worker: "w", kinds: [kind], limit: 5, lease: .seconds(60), now: now)
            #expect(pending.count == 1)
            #expect(try await storage.jobs.purgeDone(kind: other, before: Date().addingTimeInterval(60)) == 1)
        }
    }
}
