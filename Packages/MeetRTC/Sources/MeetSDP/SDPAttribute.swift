/// One `a=` line (RFC 8866 §5.13): a property (`a=rtcp-mux`) or a name and value
/// (`a=mid:0`). Descriptions keep every attribute in order, known or not, so
/// re-serializing reproduces them; typed views parse values on demand.
public struct SDPAttribute: Hashable, Sendable, CustomStringConvertible {
    public var name: String
    /// nil for property attributes; may be empty for "a=name:".
    public var value: String?

    public init(_ name: String, _ value: String? = nil) {
        self.name = name
        self.value = value
    }

    init(line: Substring) {
        if let colon = line.firstIndex(of: ":") {
            self.init(String(line[..<colon]), String(line[line.index(after: colon)...]))
        } else {
            self.init(String(line))
        }
    }

    /// The text after "a=".
    public var description: String { value.map { "\(name):\($0)" } ?? name }

    /// An attribute from a typed value.
    public init<T: SDPAttributeValue>(_ typed: T) {
        self.init(T.attributeName, typed.attributeValue)
    }
}

/// A typed attribute value: `a=<attributeName>:<attributeValue>`.
public protocol SDPAttributeValue: Sendable {
    static var attributeName: String { get }
    init(attributeValue: String) throws
    var attributeValue: String { get }
}

/// Lookups shared by session-level and media-level attribute lists.
public protocol SDPAttributeContainer {
    var attributes: [SDPAttribute] { get set }
}

extension SDPAttributeContainer {
    /// The value of the first attribute called `name` ("" for a property attribute), or nil.
    public func attribute(_ name: String) -> String? {
        attributes.first { $0.name == name }.map { $0.value ?? "" }
    }

    /// Values of every attribute called `name`, in order.
    public func attributes(named name: String) -> [String] {
        attributes.filter { $0.name == name }.map { $0.value ?? "" }
    }

    public func hasAttribute(_ name: String) -> Bool { attributes.contains { $0.name == name } }

    /// Every attribute of a typed kind, parsed; throws on the first malformed one.
    public func parsedAttributes<T: SDPAttributeValue>(_: T.Type) throws -> [T] {
        try attributes(named: T.attributeName).map { try T(attributeValue: $0) }
    }

    /// Every well-formed attribute of a typed kind; malformed ones are skipped.
    public func validAttributes<T: SDPAttributeValue>(_: T.Type) -> [T] {
        attributes(named: T.attributeName).compactMap { try? T(attributeValue: $0) }
    }

    /// Replaces every attribute called `name` by one with `value` (or removes it when nil),
    /// at the position of the first one, or at the end.
    public mutating func setAttribute(_ name: String, _ value: String?, present: Bool = true) {
        let index = attributes.firstIndex { $0.name == name }
        attributes.removeAll { $0.name == name }
        guard present else { return }
        let attribute = SDPAttribute(name, value)
        if let index, index <= attributes.count { attributes.insert(attribute, at: index) } else { attributes.append(attribute) }
    }

    /// Adds a typed attribute at the end.
    public mutating func append<T: SDPAttributeValue>(_ value: T) {
        attributes.append(SDPAttribute(value))
    }
}

/// Splits on runs of spaces (and tabs), the separator SDP grammars use.
func fields(_ text: Substring) -> [Substring] {
    text.split(whereSeparator: { $0 == " " || $0 == "\t" })
}

func fields(_ text: String) -> [Substring] { fields(text[...]) }
