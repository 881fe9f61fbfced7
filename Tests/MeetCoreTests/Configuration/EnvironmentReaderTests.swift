import MeetCore
import Testing

@Suite("EnvironmentReader: ids and the names a configuration reads")
struct EnvironmentReaderTests {
    @Test("an id is letters, digits, '-', '_' or '.', at most 100 bytes; the default is checked too")
    func identifiers() throws {
        let reader = EnvironmentReader(["ID": "node-1.a_b", "BAD": "a b", "UNICODE": "nœud", "LONG": String(repeating: "x", count: 101)])
        #expect(try reader.identifier("ID", default: { "unused" }) == "node-1.a_b")
        #expect(try reader.identifier("UNSET", default: { "fallback" }) == "fallback")
        #expect(try reader.identifier("UNICODE", default: { "" }) == "nœud")
        for (name, asciiOnly) in [("BAD", false), ("LONG", false), ("UNICODE", true)] {
            #expect(throws: ConfigurationError(variable: name, message: "must be letters, digits, '-', '_' or '.'")) {
                try reader.identifier(name, default: { "" }, asciiOnly: asciiOnly)
            }
        }
        #expect(throws: ConfigurationError.self) { try reader.identifier("UNSET", default: { "no spaces" }) }
    }

    @Test("a recording reader remembers every name asked for, set or not; a plain one none")
    func recording() throws {
        let reader = EnvironmentReader.recording(["A": "1"])
        _ = reader.string("A")
        _ = try reader.int("B", default: 2, in: 0...9)
        _ = try reader.bool("C", default: true)
        #expect(reader.namesAsked == ["A", "B", "C"])
        let plain = EnvironmentReader(["A": "1"])
        _ = plain.string("A")
        #expect(plain.namesAsked.isEmpty)
    }
}
