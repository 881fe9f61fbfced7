@_spi(Testing) import MeetSRTP
import Testing

/// The RFC vectors against the native engine's own primitives (RFC 3711 B.2's
/// keystream and RFC 7714's AES-GCM vectors run against both engines in SRTPKnownAnswerTests).
@Suite("SRTP native engine primitives (RFC 3711 B.3, RFC 2202)")
struct SRTPNativeKnownAnswerTests {
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
