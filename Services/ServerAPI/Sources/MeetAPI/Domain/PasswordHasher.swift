import HummingbirdBcrypt
import MeetAuth
import MeetCore

/// bcrypt, run on the blocking thread pool so hashing (tens of
/// milliseconds at cost 10) never stalls the event loops.
///
/// bcrypt reads at most 72 bytes. A password of up to 72 characters may be
/// longer in UTF-8 (up to 288 bytes); such a password is first reduced to
/// `sha256:` + its hex SHA-256 (71 bytes), so no character of it is ignored.
/// Passwords of at most 72 bytes go to bcrypt unchanged, as before.
struct PasswordHasher: Sendable {
    let cost: UInt8
    /// A hash of a random string, verified against when an email is unknown
    /// so that login takes as long whether or not the account exists.
    let decoyHash: String

    init(cost: Int) {
        self.cost = UInt8(clamping: cost)
        self.decoyHash = Bcrypt.hash(OpaqueToken.generate(), cost: UInt8(clamping: cost))
    }

    func hash(_ password: String) async throws -> String {
        let cost = self.cost
        let input = Self.bcryptInput(password)
        return try await BlockingWork.run { Bcrypt.hash(input, cost: cost) }
    }

    func verify(_ password: String, hash: String) async throws -> Bool {
        let input = Self.bcryptInput(password)
        return try await BlockingWork.run { Bcrypt.verify(input, hash: hash) }
    }

    /// What bcrypt is given for `password` (see the type's comment).
    static func bcryptInput(_ password: String) -> String {
        password.utf8.count <= 72 ? password : "sha256:" + OpaqueToken.hash(password)
    }
}
