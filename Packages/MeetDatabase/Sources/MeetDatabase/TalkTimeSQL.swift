public import Foundation
public import PostgresNIO

/// The `talk_seconds` statements (``MeetSchema/version17``): meet-ws writes
/// what its sessions' speakers said, meet-api's reports read it back. One
/// definition of the bit layout for both.
public enum TalkTimeSQL {
    /// Bits of a row: one per second of its minute.
    public static let secondsPerRow = 60

    /// ORs each `(participant, minute)`'s seconds into its row, all rows in
    /// one statement. The three arrays are parallel; the caller lists each
    /// pair once and in one order (participant, then minute) so that two
    /// replicas' statements lock rows in the same order and cannot deadlock.
    /// Seats that no longer exist (the meeting was removed) are skipped
    /// rather than failing the batch.
    public static func merge(participantIds: [UUID], minutes: [Int64], seconds: [Int64]) -> PostgresQuery {
        """
        INSERT INTO talk_seconds (participant_id, minute, seconds)
        SELECT u.participant_id, u.minute, u.seconds
        FROM unnest(\(participantIds)::uuid[], \(minutes)::bigint[], \(seconds)::bigint[]) AS u (participant_id, minute, seconds)
        JOIN participants p ON p.id = u.participant_id
        ORDER BY u.participant_id, u.minute
        ON CONFLICT (participant_id, minute) DO UPDATE SET seconds = talk_seconds.seconds | EXCLUDED.seconds
        """
    }

    /// The seconds a seat was heard speaking, as SQL over the alias `p`
    /// (its `participants` row): the set bits of its rows.
    public static let secondsOfSeat = """
        COALESCE((SELECT sum(bit_count(t.seconds::bit(64)))::bigint FROM talk_seconds t WHERE t.participant_id = p.id), 0)
        """
}
