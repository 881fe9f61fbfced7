public import PostgresNIO

/// A result row read by column name, never by position.
///
/// Decoding a tuple by position ties every reader to the order of its
/// `SELECT` list: a column added in the middle shifts every later value
/// (and a `String` read as a `UUID` fails only at run time). Reading by name
/// survives reordering, and a name the query did not select is a typed
/// error here instead of PostgresNIO's `fatalError` for an unknown column.
public struct RowColumns {
    private let row: PostgresRandomAccessRow

    public init(_ row: PostgresRow) {
        self.row = row.makeRandomAccess()
    }

    /// The value of `column`, decoded as `type`.
    ///
    /// Throws ``DatabaseError/query(_:)`` when the row has no such column,
    /// and PostgresNIO's decoding error when the value does not fit the type.
    public func decode<Value: PostgresDecodable>(_ column: String, as type: Value.Type = Value.self) throws -> Value {
        guard self.row.contains(column) else { throw DatabaseError.query("the row has no column \"\(column)\"") }
        return try self.row[column].decode(Value.self)
    }

    /// `column` read as text and turned into a `RawRepresentable` value
    /// (a role, a status); an unknown value is a ``DatabaseError/query(_:)``.
    public func decode<Value: RawRepresentable>(_ column: String, as type: Value.Type = Value.self) throws -> Value
    where Value.RawValue == String {
        let raw = try self.decode(column, as: String.self)
        guard let value = Value(rawValue: raw) else {
            throw DatabaseError.query("unknown \(Value.self) \"\(raw)\" in column \"\(column)\"")
        }
        return value
    }
}
