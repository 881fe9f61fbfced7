import Foundation
import Logging
import MeetCore
import MeetDatabase
import MeetProtocol
import MeetTestSupport
import Testing

import PostgresNIO
@testable import MeetWS

/// A `chat` with `attachmentId` in ``PostgresParticipantStore`` against the
/// test PostgreSQL (issue #21, file sharing): only the sender's unsent upload
/// of this meeting goes with a message, in the message's transaction (an
/// unknown, foreign or already sent one stores nothing); the message carries
/// the file live, from the outbox, and in the replay after a bus outage.
@Suite struct ChatAttachmentStoreTests {
    @Test func anUploadGoesWithOneMessageOfItsSender() async throws {
        let logger = Logger(label: "test.attachments")
        let database = Database(configuration: try TestPostgres.configuration(), logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await database.client.run() }
            defer { group.cancelAll() }
            _ = try await Migrator(migrations: MeetSchema.migrations, logger: logger).migrate(database)
            let (user, meeting, sender, other, file) = (UUID(), UUID(), UUID(), UUID(), UUID())
            _ = try await database.query(
                "INSERT INTO users (id, email, password_hash, display_name) VALUES (\(user), \("files-\(user)@test"), 'x', 'Owner')")
            _ = try await database.query(
                "INSERT INTO meetings (id, code, title, owner_id) VALUES (\(meeting), \("fl-\(meeting.uuidString.prefix(8))"), 'files', \(user))")
            for id in [sender, other] {
                _ = try await database.query(
                    """
                    INSERT INTO participants (id, meeting_id, guest_id, display_name, role, status)
                    VALUES (\(id), \(meeting), \(UUID()), 'P', 'attendee', 'joined')
                    """)
            }
            _ = try await database.query(
                """
                INSERT INTO attachments (id, meeting_id, participant_id, name, content_type, size, storage, storage_key)
                VALUES (\(file), \(meeting), \(sender), 'a.pdf', 'application/pdf', 42, 'directory', 'attachments/m/a')
                """)
            let store = PostgresParticipantStore(database: database)
            let senderInfo = ParticipantInfo(id: sender, displayName: "S", role: .attendee, userId: nil, guest: true)
            let otherInfo = ParticipantInfo(id: other, displayName: "O", role: .attendee, userId: nil, guest: true)
            func count() async throws -> Int {
                let rows = try await database.query("SELECT count(*) AS n FROM messages WHERE meeting_id = \(meeting)")
                return try RowColumns(rows[0]).decode("n", as: Int.self)
            }

            await #expect(throws: ChatAttachmentUnavailable(attachmentId: file)) {
                try await store.saveChat(meetingId: meeting, participant: otherInfo, body: "mine", to: nil, attachment: file)
            }
            await #expect(throws: ChatAttachmentUnavailable.self) {
                try await store.saveChat(meetingId: meeting, participant: senderInfo, body: "none", to: nil, attachment: UUID())
            }
            #expect(try await count() == 0)

            let expected = ChatAttachment(id: file, name: "a.pdf", contentType: "application/pdf", size: 42)
            let sent = try await store.saveChat(meetingId: meeting, participant: senderInfo, body: "", to: nil, attachment: file)
            #expect(sent.attachment == expected)
            await #expect(throws: ChatAttachmentUnavailable.self) {
                try await store.saveChat(meetingId: meeting, participant: senderInfo, body: "again", to: nil, attachment: file)
            }
            #expect(try await count() == 1)

            // From the outbox (its fan-out never marked it) and the replay, with its file. Another
            // test's claim may hold it for a moment (it gives back what is not its own at once).
            var claimed: ChatMessage?
            let deadline = ContinuousClock.now + .seconds(10)
            while claimed == nil, ContinuousClock.now < deadline {
                let batch = try await store.claimUndeliveredChats(minAge: .zero, lease: .seconds(30), limit: 1000)
                try await store.releaseChats(ids: batch.map(\.message.id))
                claimed = batch.first { $0.message.id == sent.id }?.message
                if claimed == nil { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(claimed == sent)
            let recent = try await store.recentChats(meetingIds: [meeting], within: .seconds(60), limit: 10)
            #expect(recent.map(\.message) == [sent])
            try await store.chatsDelivered(ids: [sent.id])
        }
    }
}
