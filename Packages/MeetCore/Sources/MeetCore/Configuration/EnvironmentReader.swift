import Foundation
import NIOConcurrencyHelpers

/// Typed access to `MEET_*` environment variables.
///
/// Every service builds its `Configuration` through one of these, so the
/// parsing rules (and the error messages an operator sees) are the same
/// everywhere. Tests pass a dictionary instead of the process environment.
public struct EnvironmentReader: Sendable {
    /// The variables, by name.
    public let values: [String: String]
    /// Every name asked for, when recording (``ServiceSettings/variablesRead(from:)``).
    private let asked: NIOLockedValueBox<Set<String>>?

    public init(_ values: [String: String]) {
        self.values = values
        self.asked = nil
    }

    private init(recording values: [String: String]) {
        self.values = values
        self.asked = NIOLockedValueBox([])
    }

    /// A reader over `values` that remembers every name asked for
    /// (``namesAsked``), set or not.
    public static func recording(_ values: [String: String]) -> EnvironmentReader {
        EnvironmentReader(recording: values)
    }

    /// The names asked for so far; empty unless made by ``recording(_:)``.
    public var namesAsked: Set<String> {
        self.asked?.withLockedValue { $0 } ?? []
    }

    /// The environment of this process.
    public static var process: EnvironmentReader {
        EnvironmentReader(ProcessInfo.processInfo.environment)
    }

    /// The value of `name`, or `nil` when unset or empty.
    public func string(_ name: String) -> String? {
        self.asked?.withLockedValue { _ = $0.insert(name) }
        guard let value = self.values[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
            return nil
        }
        return value
    }

    /// The value of `name`, or `defaultValue`.
    public func string(_ name: String, default defaultValue: String) -> String {
        self.string(name) ?? defaultValue
    }

    /// The value of `name`, or an error naming it when unset.
    public func required(_ name: String) throws(ConfigurationError) -> String {
        guard let value = self.string(name) else {
            throw ConfigurationError(variable: name, message: "is required")
        }
        return value
    }

    /// An id (a replica's, a node's) that goes into bus channel and key
    /// names: at most 100 bytes of letters, digits, `-`, `_` or `.`
    /// (ASCII ones only when `asciiOnly`); `defaultValue()` when unset, checked the same way.
    public func identifier(
        _ name: String, default defaultValue: () -> String, asciiOnly: Bool = false
    ) throws(ConfigurationError) -> String {
        let value = self.string(name) ?? defaultValue()
        guard value.utf8.count <= 100,
            value.allSatisfy({ (!asciiOnly || $0.isASCII) && ($0.isLetter || $0.isNumber || "-_.".contains($0)) })
        else {
            throw ConfigurationError(variable: name, message: "must be letters, digits, '-', '_' or '.'")
        }
        return value
    }

    /// An integer in `range`, or `defaultValue` when unset.
    public func int(_ name: String, default defaultValue: Int, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard let raw = self.string(name) else { return defaultValue }
        guard let value = Int(raw), range.contains(value) else {
            throw ConfigurationError(
                variable: name,
                message: "must be an integer from \(range.lowerBound) to \(range.upperBound), got '\(raw)'"
            )
        }
        return value
    }

    /// A duration given in whole seconds, or `defaultValue` when unset.
    public func seconds(_ name: String, default defaultValue: Int, in range: ClosedRange<Int>) throws(ConfigurationError) -> Duration {
        .seconds(try self.int(name, default: defaultValue, in: range))
    }

    /// A boolean (`true/false`, `1/0`, `yes/no`, `on/off`), or `defaultValue` when unset.
    public func bool(_ name: String, default defaultValue: Bool) throws(ConfigurationError) -> Bool {
        guard let raw = self.string(name) else { return defaultValue }
        switch raw.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw ConfigurationError(variable: name, message: "must be true or false, got '\(raw)'")
        }
    }

    /// One of the cases of a `String` raw-value enum, or `defaultValue` when unset.
    public func choice<Value: RawRepresentable & CaseIterable>(
        _ name: String,
        default defaultValue: Value
    ) throws(ConfigurationError) -> Value where Value.RawValue == String {
        guard let raw = self.string(name) else { return defaultValue }
        guard let value = Value(rawValue: raw.lowercased()) else {
            let allowed = Value.allCases.map(\.rawValue).joined(separator: ", ")
            throw ConfigurationError(variable: name, message: "must be one of \(allowed), got '\(raw)'")
        }
        return value
    }
}

/// A configuration variable that is missing or malformed. The service refuses to start.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The `MEET_*` variable at fault.
    public var variable: String
    public var message: String

    public init(variable: String, message: String) {
        self.variable = variable
        self.message = message
    }

    public var description: String { "\(self.variable) \(self.message)" }
}
