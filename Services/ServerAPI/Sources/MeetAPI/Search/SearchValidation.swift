import Foundation

extension Validate {
    /// A search text (`q`): trimmed, ``SearchLimits/textCharacters`` code
    /// points (or `characters`), no control characters (NUL included,
    /// which PostgreSQL's `text` refuses).
    static func searchText(_ raw: String, field: String = "q", characters: ClosedRange<Int> = SearchLimits.textCharacters) throws
        -> String
    {
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard characters.contains(text.unicodeScalars.count) else {
            throw APIError.validation(field, "must be \(characters.lowerBound) to \(characters.upperBound) characters")
        }
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw APIError.validation(field, "must not contain control characters")
        }
        return text
    }
}
