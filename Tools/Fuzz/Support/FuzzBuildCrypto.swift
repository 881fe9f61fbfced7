/// Stand-in digests for the libFuzzer build of MeetSTUN only (scripts/fuzz compiles
/// the module's sources without swift-crypto so that the fuzz build needs nothing
/// from the SwiftPM build). NOT cryptographic: deterministic filler of the right
/// length, so integrity checks run their code paths. Never linked into the product.
enum FuzzBuildCrypto {
    static func hmacSHA1(key: [UInt8], message: [UInt8]) -> [UInt8] { digest(key + message, length: 20) }
    static func md5(_ data: [UInt8]) -> [UInt8] { digest(data, length: 16) }

    private static func digest(_ data: [UInt8], length: Int) -> [UInt8] {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325  // FNV-1a
        for b in data { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        return (0..<length).map { UInt8(truncatingIfNeeded: h >> (8 * UInt64($0 % 8))) ^ UInt8($0) }
    }
}
