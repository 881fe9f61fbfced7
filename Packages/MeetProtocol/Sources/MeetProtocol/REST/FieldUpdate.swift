/// A PATCH field that distinguishes "absent" from "null".
///
/// In a PATCH body an absent key leaves the value alone, `null` clears it and
/// a value sets it. Swift's `Optional` folds the first two together, so
/// nullable PATCH fields use this instead; the containing type decodes it
/// with ``KeyedDecodingContainer/decodeFieldUpdate(_:forKey:)``.
public enum FieldUpdate<Value: Codable & Sendable & Equatable>: Sendable, Equatable {
    case unchanged
    case clear
    case set(Value)

    /// The new value if this update sets one.
    public var value: Value? {
        if case .set(let value) = self { return value }
        return nil
    }
}

extension KeyedDecodingContainer {
    /// Decodes a ``FieldUpdate``: absent → `.unchanged`, `null` → `.clear`, value → `.set`.
    public func decodeFieldUpdate<Value>(_ type: Value.Type, forKey key: Key) throws -> FieldUpdate<Value> {
        guard self.contains(key) else { return .unchanged }
        if try self.decodeNil(forKey: key) { return .clear }
        return .set(try self.decode(Value.self, forKey: key))
    }
}

extension KeyedEncodingContainer {
    /// Encodes a ``FieldUpdate`` so that ``KeyedDecodingContainer/decodeFieldUpdate(_:forKey:)`` reads it back.
    public mutating func encode<Value>(_ update: FieldUpdate<Value>, forKey key: Key) throws {
        switch update {
        case .unchanged: break
        case .clear: try self.encodeNil(forKey: key)
        case .set(let value): try self.encode(value, forKey: key)
        }
    }
}
