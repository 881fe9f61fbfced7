import Crypto
import Foundation
import MeetCore
import MeetDatabase
import NIOConcurrencyHelpers
import PostgresNIO

/// The secret calendar feed of each user (`calendar_feeds`): one token per
/// user, kept as its SHA-256, so a leaked database does not leak feed URLs.
protocol CalendarFeedRepository: Sendable {
    /// Makes `tokenHash` the user's feed, replacing (revoking) any earlier one.
    func rotate(userId: UUID, tokenHash: String) async throws
    /// False when the user had no feed.
    func revoke(userId: UUID) async throws -> Bool
    /// The user whose feed has this token hash.
    func userId(tokenHash: String) async throws -> UUID?
}

enum FeedToken {
    /// 32 random bytes, base64url without padding (43 characters).
    static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// The shape ``generate()`` makes; anything else is not looked up.
    static func isWellFormed(_ token: String) -> Bool {
        token.utf8.count == 43 && token.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_") }
    }
}

struct PostgresCalendarFeedRepository: CalendarFeedRepository {
    let database: Database

    func rotate(userId: UUID, tokenHash: String) async throws {
        _ = try await self.database.query(
            """
            INSERT INTO calendar_feeds (user_id, token_hash) VALUES (\(userId), \(tokenHash))
            ON CONFLICT (user_id) DO UPDATE SET token_hash = excluded.token_hash, created_at = now()
            """)
    }

    func revoke(userId: UUID) async throws -> Bool {
        !(try await self.database.query("DELETE FROM calendar_feeds WHERE user_id = \(userId) RETURNING user_id")).isEmpty
    }

    func userId(tokenHash: String) async throws -> UUID? {
        let rows = try await self.database.query("SELECT user_id FROM calendar_feeds WHERE token_hash = \(tokenHash)")
        return try rows.first.map { try RowColumns($0).decode("user_id", as: UUID.self) }
    }
}

final class MemoryCalendarFeedRepository: CalendarFeedRepository {
    private let feeds = NIOLockedValueBox<[UUID: String]>([:])

    func rotate(userId: UUID, tokenHash: String) async throws {
        self.feeds.withLockedValue { $0[userId] = tokenHash }
    }

    func revoke(userId: UUID) async throws -> Bool {
        self.feeds.withLockedValue { $0.removeValue(forKey: userId) != nil }
    }

    func userId(tokenHash: String) async throws -> UUID? {
        self.feeds.withLockedValue { feeds in feeds.first { $0.value == tokenHash }?.key }
    }
}
