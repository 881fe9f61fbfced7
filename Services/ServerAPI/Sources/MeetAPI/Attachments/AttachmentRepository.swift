import Foundation
import MeetProtocol
import MeetStorage

/// One stored attachment: its metadata and where its bytes are.
struct StoredAttachment: Sendable, Equatable {
    var id: UUID
    /// Nil once the meeting was removed (with its owner's account): the sweep deletes it.
    var meetingId: UUID?
    var participantId: UUID?
    var userId: UUID?
    /// The message it went with; nil while unsent, or once the message is gone.
    var messageId: Int64?
    var name: String
    var contentType: String
    var size: Int64
    var storage: RecordingStoreKind
    var key: String
    var createdAt: Date

    var response: ChatAttachment {
        ChatAttachment(id: self.id, name: self.name, contentType: self.contentType, size: self.size)
    }
}

/// An attachment with the message it went with, for ``MessageViewer/sees(_:recipientUserId:)``.
struct AttachmentLookup: Sendable {
    var attachment: StoredAttachment
    var message: MessageRecord?
    /// The account of the message's private recipient, if any.
    var recipientUserId: UUID?
    /// The breakout room the message was sent in (schema 14), if any: its
    /// file is for that room's members and the hosts, as its history is.
    var breakoutRoomId: UUID? = nil
}

/// The `attachments` table (schema version 15). meet-api inserts, reads and
/// deletes rows; meet-ws ties a row to its message (`message_id`).
protocol AttachmentRepository: Sendable {
    /// Saves `attachment` unless its meeting's files would then total more
    /// than `meetingLimit` bytes (false, nothing saved). Inserts of one
    /// meeting are serialized, so concurrent uploads cannot both pass.
    func insert(_ attachment: StoredAttachment, meetingLimit: Int64) async throws -> Bool
    /// What the files of `meetingId` total now (bytes).
    func totalBytes(meetingId: UUID) async throws -> Int64
    /// The attachment and its message, whatever the viewer.
    func lookup(id: UUID) async throws -> AttachmentLookup?
    /// Up to `limit` attachments to delete: their meeting was removed, or
    /// they have no message (never sent, or the message is gone) and were
    /// uploaded before `unsentBefore`.
    func abandoned(unsentBefore: Date, limit: Int) async throws -> [StoredAttachment]
    /// Whether `viewer` has been in breakout room `roomId` (its
    /// participant, or any seat of its account): the readers of that
    /// room's chat besides the hosts.
    func isBreakoutMember(roomId: UUID, viewer: MessageViewer) async throws -> Bool
    /// Deletes the row of `id` if it is still unsent (no message), after
    /// `deleteObject` removed its file, holding the row locked meanwhile so
    /// that a `chat` naming it (meet-ws locks the row to tie it) waits and
    /// then finds it gone, never a message whose file was just deleted.
    /// False: it was sent or deleted meanwhile, nothing done. A thrown
    /// `deleteObject` keeps the row for the next sweep.
    func deleteUnsent(id: UUID, deleteObject: @escaping @Sendable (StoredAttachment) async throws -> Void) async throws -> Bool
}

/// ``AttachmentRepository`` in memory (unit tests), on the shared ``MemoryStore``
/// so that messages and participants are the same as the routes see.
struct MemoryAttachmentRepository: AttachmentRepository {
    let store: MemoryStore

    func insert(_ attachment: StoredAttachment, meetingLimit: Int64) async throws -> Bool {
        await self.store.transaction { tables in
            let total = tables.attachments.values.filter { $0.meetingId == attachment.meetingId }.reduce(0) { $0 + $1.size }
            guard total + attachment.size <= meetingLimit else { return false }
            tables.attachments[attachment.id] = attachment
            return true
        }
    }

    func totalBytes(meetingId: UUID) async throws -> Int64 {
        await self.store.transaction { tables in
            tables.attachments.values.filter { $0.meetingId == meetingId }.reduce(0) { $0 + $1.size }
        }
    }

    func lookup(id: UUID) async throws -> AttachmentLookup? {
        await self.store.transaction { tables in
            guard let attachment = tables.attachments[id] else { return nil }
            let message = attachment.messageId.flatMap { messageId in tables.messages.first { $0.record.id == messageId }?.record }
            return AttachmentLookup(
                attachment: attachment, message: message,
                recipientUserId: message?.toParticipantId.flatMap { tables.participants[$0]?.record.userId })
        }
    }

    func abandoned(unsentBefore: Date, limit: Int) async throws -> [StoredAttachment] {
        await self.store.transaction { tables in
            let stale = tables.attachments.values.filter { attachment in
                attachment.messageId == nil && (attachment.meetingId == nil || attachment.createdAt < unsentBefore)
            }
            return Array(stale.sorted { $0.createdAt < $1.createdAt }.prefix(limit))
        }
    }

    func isBreakoutMember(roomId: UUID, viewer: MessageViewer) async throws -> Bool {
        false  // no breakout rooms in memory
    }

    func deleteUnsent(id: UUID, deleteObject: @escaping @Sendable (StoredAttachment) async throws -> Void) async throws -> Bool {
        guard let attachment = await self.store.transaction({ $0.attachments[id] }), attachment.messageId == nil else { return false }
        try await deleteObject(attachment)
        return await self.store.transaction { tables in
            guard tables.attachments[id]?.messageId == nil else { return false }
            tables.attachments[id] = nil
            return true
        }
    }
}
