@_spi(Testing) import MeetSRTP
import Testing

/// The RFC vectors against the native engine's own primitives (the libsrtp
/// ones are in SRTPKnownAnswerTests).
@Suite("SRTP native engine primitives (RFC 3711 B.2/B.3, RFC 7714 §16–17, RFC 2202)")
struct SRTPNativeKnownAnswerTests {
    @Test("RFC 3711 B.2: AES-CM keystream")
    func keystreamB2() throws {
        let keystream = try SRTPPrimitives.nativeAESCM128Keystream(
            sessionKey: hexBytes("2B7E151628AED2A6ABF7158809CF4F3C"),
            sessionSalt: hexBytes("F0F1F2F3F4F5F6F7F8F9FAFBFCFD"),
            iv: [UInt8](repeating: 0, count: 16), count: 48)
        #expect(keystream == hexBytes("""
            E03EAD0935C95E80E166B16DD92B4EB4
            D23513162B02D0F72A43A2FE4A5F97AB
            41E95B3BB0A2E8DD477901E4FCA894C0
            """))
    }

    @Test("RFC 3711 B.3: session keys from the master key (SRTP labels 0-2, SRTCP 3 and 5)")
    func keyDerivationB3() throws {
        let key = hexBytes("E1F97A0D3E018BE0D64FA32C06DE4139")
        let salt = hexBytes("0EC675AD498AFEEBB6960B3AABE6")
        func derive(_ label: UInt8, _ length: Int) throws -> [UInt8] {
            try SRTPPrimitives.nativeDeriveSessionKey(masterKey: key, masterSalt: salt, label: label, length: length)
        }
        #expect(try derive(0, 16) == hexBytes("C61E7A93744F39EE10734AFE3FF7A087"))
        #expect(try derive(2, 14) == hexBytes("30CBBC08863D8C85D49DB34A9AE1"))
        #expect(try derive(1, 94) == hexBytes("""
            CEBE321F6FF7716B6FD4AB49AF256A156D38BAA48F0A0ACF3C34E2359E6CDBCE
            E049646C43D9327AD175578EF7227098 6371C10C9A369AC2F94A8C5FBCDDDC25
            6D6E919A48B610EF17C2041E47403576 6B68642C59BBFC2F34DB60DBDFB2
            """))
        #expect(try derive(3, 16) == hexBytes("4C1AA45A81F73D61C800BBB00FBB1EAA"))
        #expect(try derive(5, 14) == hexBytes("9581C7AD87B3E530BF3E4454A8B3"))
    }

    static let gcmKey = hexBytes("000102030405060708090a0b0c0d0e0f")
    static let gcmSalt = hexBytes("517569642070726f2071756f")

    static func iv(_ fields: [UInt8]) -> [UInt8] {
        zip([0, 0] + fields, gcmSalt).map { $0 ^ $1 }
    }

    @Test("RFC 7714 §16.1.1: AEAD_AES_128_GCM RTP encryption")
    func gcmRTP() throws {
        let header = hexBytes("8040f17b8041f8d35501a0b2")
        let payload = hexBytes("47616c6c69612065737420 6f6d6e697320646976697361 20696e2070617274657320747265 73")
        let sealed = try SRTPPrimitives.nativeAESGCM128Seal(
            sessionKey: Self.gcmKey, iv: Self.iv(hexBytes("5501a0b2 00000000 f17b")), aad: header, plaintext: payload)
        #expect(header + sealed == hexBytes("""
            8040f17b8041f8d35501a0b2f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f42a5f47a
            51c7d19b36de3adf8833899d7f27beb16a9152cf765ee4390cce
            """))
    }

    @Test("RFC 7714 §17.1: AEAD_AES_128_GCM RTCP encryption")
    func gcmRTCP() throws {
        let header = hexBytes("81c8000d4d617273")
        let eAndIndex = hexBytes("800005d4")
        let body = hexBytes("4e545031 4e545032 52545020 0000042a 0000e930 4c756e61 deadbeef deadbeef deadbeef deadbeef deadbeef")
        let sealed = try SRTPPrimitives.nativeAESGCM128Seal(
            sessionKey: Self.gcmKey, iv: Self.iv(hexBytes("4d617273 0000 000005d4")), aad: header + eAndIndex, plaintext: body)
        #expect(header + sealed + eAndIndex == hexBytes("""
            81c8000d4d61727363e94885dcdab67ca727d7662f6b7e997ff5c0f76c06f32dc676a5f1730d6fda
            4ce09b4686303ded0bb9275bc84aa45896cf4d2fc5abf87245d9eade800005d4
            """))
    }

    @Test("RFC 2202 §3: HMAC-SHA1 test cases 1–3")
    func hmacSHA1() throws {
        #expect(try SRTPPrimitives.nativeHMACSHA1(key: [UInt8](repeating: 0x0B, count: 20), message: Array("Hi There".utf8))
            == hexBytes("b617318655057264e28bc0b6fb378c8ef146be00"))
        #expect(try SRTPPrimitives.nativeHMACSHA1(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
            == hexBytes("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"))
        #expect(try SRTPPrimitives.nativeHMACSHA1(
            key: [UInt8](repeating: 0xAA, count: 20), message: [UInt8](repeating: 0xDD, count: 50))
            == hexBytes("125d7342b9ac11cd91a39af48aa17b4f63f175d3"))
    }

    @Test("the default engine is the native one")
    func defaultEngine() throws {
        let profile = SRTPProfile.aes128CMHMACSHA1_80
        let context = try SRTPContext(profile: profile, masterKey: profile.testKey, masterSalt: profile.testSalt, direction: .inbound)
        #expect(context.engine == .native)
    }
}
