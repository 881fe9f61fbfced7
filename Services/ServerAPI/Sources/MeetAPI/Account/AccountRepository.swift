import Foundation
import MeetProtocol

/// A user's rights over their data (docs/operations.md, "Data rights"):
/// everything stored about them, and deleting the account.
protocol AccountRepository: Sendable {
    /// Everything stored about `userId` as one JSON object (the sections of
    /// ``AccountExport/sections`` and `profile`, `settings`, `calendarFeed`);
    /// each list newest first with at most `cap + 1` entries
    /// (``AccountExport/capped(_:cap:)`` cuts and marks). `nil` when the
    /// account does not exist.
    func export(userId: UUID, cap: Int) async throws -> Data?
    /// Deletes the account in one transaction: each meeting it owns goes to
    /// its longest-standing host, or, without one, is ended and removed
    /// with it; its seats become "Deleted user" guest rows and its chat
    /// stays under "Deleted user"; its sessions (refresh tokens) go with the
    /// row, and access tokens stop authenticating (their account is gone).
    /// `nil` when the account does not exist.
    func delete(userId: UUID) async throws -> AccountDeletion?
}

/// What an account deletion did with the meetings the user owned.
struct AccountDeletion: Sendable, Equatable {
    /// Meeting id → the host that owns it now.
    var handedOver: [UUID: UUID]
    /// Meetings without another host: ended and removed.
    var removed: [UUID]
    /// Meetings (not removed) where the user had a live seat, now left:
    /// their sockets there are closed (``MembershipChanges``).
    var leftSeats: [UUID] = []
}

/// The name a deleted user's chat messages and seats keep.
enum DeletedUser {
    static let displayName = "Deleted user"
}

/// The export's list sections, and the cap applied to each.
enum AccountExport {
    static let sections = [
        "meetingsOwned", "memberships", "participations", "messagesSent", "messagesReceived", "attachments", "questionsAsked", "pollVotes",
        "invitationsReceived", "invitationsSent", "notifications", "recordings", "bans", "sessions",
    ]
    /// Entries per section: a person's data, bounded in memory all the same.
    static let cap = 10_000

    /// `json` (an object) with every section cut to `cap` entries,
    /// `limits.truncated` naming those that had more, and the cap stated.
    static func capped(_ json: Data, cap: Int) throws -> Data {
        guard let raw = try JSONSerialization.jsonObject(with: json) as? [String: Any] else {
            throw APIError(.internalError, "the export is not a JSON object")
        }
        var result = raw
        var truncated: [String] = []
        for section in Self.sections {
            guard let list = raw[section] as? [Any] else {
                result[section] = [Any]()
                continue
            }
            if list.count > cap {
                truncated.append(section)
                result[section] = Array(list.prefix(cap))
            }
        }
        result["limits"] = ["entriesPerSection": cap, "truncated": truncated] as [String: Any]
        return try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
    }
}
