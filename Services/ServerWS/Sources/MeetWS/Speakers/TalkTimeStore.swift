public import Foundation
import NIOConcurrencyHelpers

/// Where measured talk time goes (a port): ``PostgresTalkTimeStore`` in
/// production, ``InMemoryTalkTimeStore`` for unit tests. meet-api's reports
/// read the same rows.
public protocol TalkTimeStore: Sendable {
    /// ORs each row's seconds into what is stored for its participant and
    /// minute: idempotent, so a retry or a second replica's measurement of
    /// the same seconds changes nothing. Rows of unknown participants are
    /// skipped.
    func merge(_ rows: [TalkSecondsRow]) async throws
}

/// ``TalkTimeStore`` in memory, shared by in-memory replicas as PostgreSQL is.
public final class InMemoryTalkTimeStore: TalkTimeStore {
    private struct Key: Hashable {
        var participantId: UUID
        var minute: Int64
    }

    private let rows = NIOLockedValueBox<[Key: UInt64]>([:])

    public init() {}

    public func merge(_ rows: [TalkSecondsRow]) async throws {
        self.rows.withLockedValue { stored in
            for row in rows { stored[Key(participantId: row.participantId, minute: row.minute), default: 0] |= row.seconds }
        }
    }

    /// The seconds stored for a participant.
    public func seconds(of participantId: UUID) -> Int {
        self.rows.withLockedValue { stored in
            stored.filter { $0.key.participantId == participantId }.values.reduce(0) { $0 + $1.nonzeroBitCount }
        }
    }
}
