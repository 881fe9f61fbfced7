import Foundation
import MeetProtocol

/// Search over meetings and accounts (docs/scheduling.md "Search"). Chat search is
/// ``ParticipantRepository/messages(meetingId:matching:before:limit:viewer:)``,
/// which keeps the history's visibility rule.
protocol SearchRepository: Sendable {
    /// The meetings of ``MeetingSearch/userId`` (owned, a member of, or
    /// invited to by an open invitation bound to the account) that match,
    /// newest first, with the caller's role (an invitation's role when
    /// only invited).
    func meetings(_ search: MeetingSearch) async throws -> [(MeetingRecord, MemberRole)]
    /// Accounts whose display name contains `text` (case-insensitive), by
    /// name then id, after the account `cursor`.
    func users(named text: String, after cursor: UUID?, limit: Int) async throws -> [UserSummary]
}

/// A validated meeting search: text and/or a date range, at least one.
struct MeetingSearch: Sendable, Equatable {
    var userId: UUID
    /// Matched as a substring of the title or the agenda, case-insensitively.
    var text: String?
    /// The meeting's start (its schedule's first start, else its creation) in `[from, to)`.
    var from: Date?
    var to: Date?
    /// The last meeting of the page before.
    var after: UUID?
    var limit: Int
}

enum SearchLimits {
    /// Chat search text, in code points after trimming.
    static let textCharacters = 2...100
    /// Meeting search text: three at least, for the trigram indexes to serve it.
    static let meetingTextCharacters = 3...100
    /// A name search needs three (a trigram) to use its index.
    static let nameCharacters = 3...80
    /// Page sizes: the default and the largest allowed.
    static let meetingPage = (size: 20, max: 50)
    static let userPage = (size: 10, max: 20)

    /// `text` as a `LIKE` pattern matching it anywhere, its `%`, `_` and `\` taken literally.
    static func containsPattern(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if character == "%" || character == "_" || character == "\\" { escaped.append("\\") }
            escaped.append(character)
        }
        return "%\(escaped)%"
    }
}
