/// Human meeting codes: `abc-defg-hij`, ten lowercase letters.
///
/// 26^10 ≈ 1.4 × 10^14 codes, so random collisions are rare; creation
/// retries on the unique constraint anyway. Codes are the meeting's address
/// in URLs, which is why anything not of this exact shape is answered 404
/// without touching the database.
enum MeetingCode {
    static let groups = [3, 4, 3]
    private static let letters = Array("abcdefghijklmnopqrstuvwxyz")

    static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return self.groups.map { count in
            String((0..<count).map { _ in self.letters.randomElement(using: &generator)! })
        }.joined(separator: "-")
    }

    static func isValid(_ code: String) -> Bool {
        let parts = code.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == self.groups.count else { return false }
        return zip(parts, self.groups).allSatisfy { part, count in
            part.utf8.count == count && part.utf8.allSatisfy { $0 >= 0x61 && $0 <= 0x7A }
        }
    }
}
