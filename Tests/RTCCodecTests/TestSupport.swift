import Foundation

/// Bytes from a hex dump such as "00 01 00 58 21 12"; whitespace and newlines ignored.
func hex(_ text: String) -> [UInt8] {
    let digits = text.unicodeScalars.filter { !CharacterSet.whitespacesAndNewlines.contains($0) }
    var out = [UInt8]()
    var iterator = digits.makeIterator()
    while let hi = iterator.next(), let lo = iterator.next() {
        out.append(UInt8(String(hi) + String(lo), radix: 16)!)
    }
    return out
}

/// The contents of a file in `Fixtures/`.
func fixture(_ name: String) throws -> Data {
    guard let url = Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil) else {
        throw FixtureError.missing(name)
    }
    return try Data(contentsOf: url)
}

func fixtureText(_ name: String) throws -> String {
    String(decoding: try fixture(name), as: UTF8.self)
}

enum FixtureError: Error { case missing(String) }

/// A deterministic generator so "random" tests are repeatable (SplitMix64).
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
