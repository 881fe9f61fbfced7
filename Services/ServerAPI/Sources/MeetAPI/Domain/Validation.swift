import Foundation

/// Field rules shared by every route, each throwing a 422 that names the field.
///
/// Strings are checked for what PostgreSQL and bcrypt cannot take (NUL,
/// which `text` rejects and C strings truncate at) and for control
/// characters (Unicode category Cc) that have no business in a name.
/// Lengths count Unicode code points, as JSON Schema's `minLength` and
/// `maxLength` do, so that docs/openapi.yaml states each rule exactly (its
/// patterns spell out the trimming and the control characters).
enum Validate {
    /// In code points; ``PasswordHasher`` takes care of bcrypt's 72-byte input limit.
    static let passwordCharacters = 6...72
    static let emailCharacters = 254
    static let displayNameCharacters = 1...80
    static let titleCharacters = 3...120
    static let capacityRange = 1...10_000

    /// Trimmed, lower-cased, `local@domain.tld`-shaped, at most 254 code
    /// points as sent (surrounding whitespace included). Checked code point
    /// by code point, as the spec's pattern reads it: an `@` or `.` followed
    /// by a combining mark or modifier is still an `@` or `.`.
    static func email(_ raw: String, field: String = "email") throws -> String {
        let email = raw.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let scalars = Array(email.unicodeScalars)
        let at = scalars.firstIndex(of: "@")
        let domain = at.map { scalars[($0 + 1)...] } ?? []
        guard raw.unicodeScalars.count <= Self.emailCharacters, let at, at > 0,
            scalars.lastIndex(of: "@") == at, domain.contains("."), domain.first != ".", domain.last != ".",
            !scalars.contains(where: { $0.properties.isWhitespace || Self.isControl($0) })
        else {
            throw APIError.validation(field, "must be a valid email address")
        }
        return email
    }

    static func password(_ password: String, field: String = "password") throws {
        guard Self.passwordCharacters.contains(password.unicodeScalars.count) else {
            throw APIError.validation(field, "must be 6 to 72 characters long")
        }
        guard !password.unicodeScalars.contains(where: { $0.value == 0 }) else {
            throw APIError.validation(field, "must not contain NUL characters")
        }
    }

    /// Trimmed display name.
    static func displayName(_ raw: String, field: String = "displayName") throws -> String {
        try self.text(raw, field: field, characters: Self.displayNameCharacters)
    }

    /// Trimmed meeting title.
    static func title(_ raw: String, field: String = "title") throws -> String {
        try self.text(raw, field: field, characters: Self.titleCharacters)
    }

    static func capacity(_ capacity: Int, field: String = "capacity") throws {
        guard Self.capacityRange.contains(capacity) else {
            throw APIError.validation(field, "must be from 1 to 10000")
        }
    }

    /// A `cursor` query parameter that is an id (a UUID); `nil` when absent.
    static func idCursor(_ raw: String?) throws -> UUID? {
        guard let raw else { return nil }
        guard let parsed = UUID(uuidString: raw) else { throw APIError.validation("cursor", "is not a valid cursor") }
        return parsed
    }

    /// A page size from the query string.
    static func limit(_ raw: String?, default defaultValue: Int, max: Int) throws -> Int {
        guard let raw else { return defaultValue }
        guard let value = Int(raw), (1...max).contains(value) else {
            throw APIError.validation("limit", "must be an integer from 1 to \(max)")
        }
        return value
    }

    private static func text(_ raw: String, field: String, characters: ClosedRange<Int>) throws -> String {
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard characters.contains(text.unicodeScalars.count) else {
            throw APIError.validation(field, "must be \(characters.lowerBound) to \(characters.upperBound) characters")
        }
        guard !text.unicodeScalars.contains(where: Self.isControl) else {
            throw APIError.validation(field, "must not contain control characters")
        }
        return text
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.generalCategory == .control
    }
}
