import Foundation
import MeetStorage
import Testing
@testable import MeetAPI

/// ``AttachmentRepository`` on both storages: a meeting's files never total
/// more than the limit, even when uploads are saved at once.
@Suite("Attachment storage contract")
struct AttachmentContractTests {
    static func attachment(meetingId: UUID, size: Int64) -> StoredAttachment {
        let id = UUID()
        return StoredAttachment(
            id: id, meetingId: meetingId, participantId: nil, userId: nil, messageId: nil, name: "f", contentType: "text/plain",
            size: size, storage: .directory, key: "attachments/\(meetingId)/\(id)", createdAt: Date())
    }

    @Test("the meeting's total: eight saves of 300 bytes at once under a 1000-byte limit, three win", arguments: StorageContractTests.Backend.allCases)
    func meetingTotal(_ backend: StorageContractTests.Backend) async throws {
        try await StorageContractTests.withStorage(backend) { storage, _ in
            let owner = try await storage.users.create(email: StorageContractTests.email(), passwordHash: "h", displayName: "Owner")
            let meeting = try await StorageContractTests.meeting(storage, owner: owner.id)
            let other = try await StorageContractTests.meeting(storage, owner: owner.id)
            #expect(try await storage.attachments.insert(Self.attachment(meetingId: other.id, size: 900), meetingLimit: 1000))

            let saved = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await storage.attachments.insert(Self.attachment(meetingId: meeting.id, size: 300), meetingLimit: 1000)
                    }
                }
                return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            #expect(saved == 3)
            #expect(try await storage.attachments.totalBytes(meetingId: meeting.id) == 900)
            // Another meeting's files do not count; exactly at the limit fits.
            #expect(try await storage.attachments.insert(Self.attachment(meetingId: meeting.id, size: 100), meetingLimit: 1000))
            #expect(try await !storage.attachments.insert(Self.attachment(meetingId: meeting.id, size: 1), meetingLimit: 1000))
            #expect(try await storage.attachments.totalBytes(meetingId: other.id) == 900)
        }
    }
}
