import HummingbirdBcrypt
import MeetCore

/// bcrypt, run on the blocking thread pool so hashing (tens of
/// milliseconds at cost 10) never stalls the event loops.
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
        return try await BlockingWork.run { Bcrypt.hash(password, cost: cost) }
    }

    func verify(_ password: String, hash: String) async throws -> Bool {
        try await BlockingWork.run { Bcrypt.verify(password, hash: hash) }
    }
}
