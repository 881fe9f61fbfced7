import Crypto
import Foundation

/// One versioned schema change.
///
/// Versions are applied in ascending order, each in the same transaction
/// as its bookkeeping row. A migration's statements are run one by one
/// (PostgreSQL's extended protocol takes a single statement per query).
/// Never edit a migration that has shipped: add a new one. The checksum
/// stored with each applied version makes an edit fail loudly at start-up.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let statements: [String]

    public init(version: Int, name: String, statements: [String]) {
        self.version = version
        self.name = name
        self.statements = statements
    }

    /// SHA-256 of the statements, hex; detects edits to applied migrations.
    public var checksum: String {
        let digest = SHA256.hash(data: Data(self.statements.joined(separator: "\n;\n").utf8))
        return digest.map { String(format: "%02x", $0) }.joined()
    }
}

/// Why migrating failed.
public enum MigrationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Two migrations in the list share a version.
    case duplicateVersion(Int)
    /// An applied migration's statements changed since it was applied.
    case checksumMismatch(version: Int, name: String)

    public var description: String {
        switch self {
        case .duplicateVersion(let version):
            "two migrations have version \(version)"
        case .checksumMismatch(let version, let name):
            "migration \(version) (\(name)) was edited after it was applied"
        }
    }
}
