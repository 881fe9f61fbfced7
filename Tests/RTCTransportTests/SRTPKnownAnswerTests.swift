@_spi(Testing) import MeetSRTP
import Testing

/// Known answers. The end-to-end packets were computed independently with
/// Python's `cryptography` by Packages/MeetRTC/Scripts/srtp_known_answers.py,
/// which first checks itself against RFC 3711 B.2/B.3 and RFC 7714 §16–17;
/// the primitive tests feed the RFCs' own session-key vectors to libsrtp's
/// ciphers. The packet vectors run against both engines (native and libsrtp).
@Suite("SRTP known answers (RFC 3711 App. B, RFC 7714 §16–17)")
struct SRTPKnownAnswerTests {
    // RFC 3711 B.3 master key and salt (also libsrtp's own test key).
    static let cmKey = hexBytes("e1f97a0d3e018be0d64fa32c06de4139")
    static let cmSalt = hexBytes("0ec675ad498afeebb6960b3aabe6")
    static let gcmKey = hexBytes("000102030405060708090a0b0c0d0e0f")
    static let gcmSalt = hexBytes("a0a1a2a3a4a5a6a7a8a9aaab")
    static let rtp = hexBytes("800f1234decafbadcafebabe") + [UInt8](repeating: 0xAB, count: 16)
    static let rtcp = hexBytes("""
        81c8000d4d6172734e5450314e545032525450200000042a0000e9304c756e61
        deadbeefdeadbeefdeadbeefdeadbeefdeadbeef
        """)

    struct Vector: Sendable, CustomTestStringConvertible {
        var name: String
        var profile: SRTPProfile
        var key: [UInt8]
        var salt: [UInt8]
        var isRTCP: Bool
        var plain: [UInt8]
        var protected: [UInt8]
        var testDescription: String { name }
    }

    static let vectors: [Vector] = [
        Vector(
            name: "AES_CM_128_HMAC_SHA1_80 RTP", profile: .aes128CMHMACSHA1_80, key: cmKey, salt: cmSalt,
            isRTCP: false, plain: rtp,
            protected: hexBytes("800f1234decafbadcafebabe4e55dc4ce79978d88ca4d215949d2402b78d6acc99ea179b8dbb")),
        Vector(
            name: "AES_CM_128_HMAC_SHA1_80 RTCP", profile: .aes128CMHMACSHA1_80, key: cmKey, salt: cmSalt,
            isRTCP: true, plain: rtcp,
            protected: hexBytes("""
                81c8000d4d617273f2bb7b81f9b988034c297110352c53781268f3d76040350f49086b0a2297239a
                eebaf47f1a17638ae7a25bc880000001432cfe93cba0c4783d44
                """)),
        Vector(
            name: "AEAD_AES_128_GCM RTP", profile: .aeadAES128GCM, key: gcmKey, salt: gcmSalt,
            isRTCP: false, plain: rtp,
            protected: hexBytes("800f1234decafbadcafebabec5002ede04cfdd2eb91159e0880aa06ed2976826f796b201df3131a127e8a392")),
        Vector(
            name: "AEAD_AES_128_GCM RTCP", profile: .aeadAES128GCM, key: gcmKey, salt: gcmSalt,
            isRTCP: true, plain: rtcp,
            protected: hexBytes("""
                81c8000d4d617273415477c21158eee6e12b91260d0e6e82202224e256a4d53e772695a32ca26667
                e3129f3847f33ce495291361999469fa89af0a008dffb6397824e3eb80000001
                """)),
    ]

    @Test("protect gives the independently computed packet", arguments: vectors, SRTPContext.Engine.allCases)
    func protectMatches(vector: Vector, engine: SRTPContext.Engine) throws {
        let context = try SRTPContext(
            profile: vector.profile, masterKey: vector.key, masterSalt: vector.salt, direction: .outbound, engine: engine)
        let result = try srtpTransform(vector.plain) { (bytes, length) throws(SRTPError) in
            vector.isRTCP ? try context.protectRTCP(bytes, length: length) : try context.protectRTP(bytes, length: length)
        }
        #expect(result == vector.protected)
        #expect(result.count - vector.plain.count == (vector.isRTCP ? vector.profile.rtcpOverhead : vector.profile.rtpOverhead))
    }

    @Test("unprotect recovers the plaintext", arguments: vectors, SRTPContext.Engine.allCases)
    func unprotectMatches(vector: Vector, engine: SRTPContext.Engine) throws {
        let context = try SRTPContext(
            profile: vector.profile, masterKey: vector.key, masterSalt: vector.salt, direction: .inbound, engine: engine)
        let result = try srtpTransform(vector.protected) { (bytes, length) throws(SRTPError) in
            vector.isRTCP ? try context.unprotectRTCP(bytes, length: length) : try context.unprotectRTP(bytes, length: length)
        }
        #expect(result == vector.plain)
    }

    /// AES-CM keystream as each engine makes it (libsrtp's and the native one).
    typealias Keystream = @Sendable ([UInt8], [UInt8], [UInt8], Int) throws -> [UInt8]
    static let keystreams: [(String, Keystream)] = [
        ("libsrtp", { try SRTPPrimitives.aesICM128Keystream(sessionKey: $0, sessionSalt: $1, iv: $2, count: $3) }),
        ("native", { try SRTPPrimitives.nativeAESCM128Keystream(sessionKey: $0, sessionSalt: $1, iv: $2, count: $3) }),
    ]

    @Test("RFC 3711 B.2: AES-CM keystream", arguments: [0, 1])
    func rfc3711KeystreamB2(engine: Int) throws {
        let keystream = try Self.keystreams[engine].1(
            hexBytes("2B7E151628AED2A6ABF7158809CF4F3C"), hexBytes("F0F1F2F3F4F5F6F7F8F9FAFBFCFD"),
            [UInt8](repeating: 0, count: 16), 48)
        #expect(keystream == hexBytes("""
            E03EAD0935C95E80E166B16DD92B4EB4
            D23513162B02D0F72A43A2FE4A5F97AB
            41E95B3BB0A2E8DD477901E4FCA894C0
            """), "\(Self.keystreams[engine].0)")
    }

    static let rfc7714Key = hexBytes("000102030405060708090a0b0c0d0e0f")
    static let rfc7714Salt = hexBytes("517569642070726f2071756f")

    /// RFC 7714 §8.1 / §9.1: IV = (0x0000 || SSRC || ROC-or-0 || SEQ-or-index) XOR salt.
    static func iv(_ fields: [UInt8]) -> [UInt8] {
        zip([0, 0] + fields, rfc7714Salt).map { $0 ^ $1 }
    }

    /// AES-GCM sealing as each engine does it (libsrtp's and the native one).
    typealias Seal = @Sendable ([UInt8], [UInt8], [UInt8], [UInt8]) throws -> [UInt8]
    static let seals: [(String, Seal)] = [
        ("libsrtp", { try SRTPPrimitives.aesGCM128Seal(sessionKey: $0, iv: $1, aad: $2, plaintext: $3) }),
        ("native", { try SRTPPrimitives.nativeAESGCM128Seal(sessionKey: $0, iv: $1, aad: $2, plaintext: $3) }),
    ]

    @Test("RFC 7714 §16.1.1: AEAD_AES_128_GCM RTP encryption", arguments: [0, 1])
    func rfc7714RTP(engine: Int) throws {
        let seal = Self.seals[engine].1
        let header = hexBytes("8040f17b8041f8d35501a0b2")
        let payload = hexBytes("47616c6c69612065737420 6f6d6e697320646976697361 20696e2070617274657320747265 73")
        let sealed = try seal(Self.rfc7714Key, Self.iv(hexBytes("5501a0b2 00000000 f17b")), header, payload)
        #expect(header + sealed == hexBytes("""
            8040f17b8041f8d35501a0b2f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f42a5f47a
            51c7d19b36de3adf8833899d7f27beb16a9152cf765ee4390cce
            """), "\(Self.seals[engine].0)")
    }

    @Test("RFC 7714 §17.1: AEAD_AES_128_GCM RTCP encryption", arguments: [0, 1])
    func rfc7714RTCP(engine: Int) throws {
        let seal = Self.seals[engine].1
        let header = hexBytes("81c8000d4d617273")
        let eAndIndex = hexBytes("800005d4")
        let sealed = try seal(
            Self.rfc7714Key, Self.iv(hexBytes("4d617273 0000 000005d4")), header + eAndIndex, Array(Self.rtcp.dropFirst(8)))
        #expect(header + sealed + eAndIndex == hexBytes("""
            81c8000d4d61727363e94885dcdab67ca727d7662f6b7e997ff5c0f76c06f32dc676a5f1730d6fda
            4ce09b4686303ded0bb9275bc84aa45896cf4d2fc5abf87245d9eade800005d4
            """), "\(Self.seals[engine].0)")
    }
}
