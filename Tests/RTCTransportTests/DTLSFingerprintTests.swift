import MeetDTLS
import Testing

@Suite("DTLS certificate and SDP fingerprint (RFC 8122 §5)")
struct DTLSFingerprintTests {
    @Test("a generated certificate has a SHA-256 fingerprint in SDP form")
    func certificateFingerprint() throws {
        let certificate = DTLSFixtures.serverCertificate
        let fingerprint = certificate.fingerprint
        #expect(fingerprint.algorithm == .sha256)
        #expect(fingerprint.digest.count == 32)
        let sdp = fingerprint.sdpValue
        #expect(sdp.hasPrefix("sha-256 "))
        #expect(sdp.count == "sha-256 ".count + 32 * 3 - 1)
        #expect(try DTLSFingerprint(sdpValue: sdp) == fingerprint)
        #expect(certificate.fingerprint(using: .sha256) == fingerprint)
    }

    @Test("each generated certificate is distinct")
    func certificatesDiffer() throws {
        let a = try DTLSCertificate.generate()
        let b = try DTLSCertificate.generate()
        #expect(a.fingerprint != b.fingerprint)
    }

    @Test("parsing accepts any letter case and formats upper-case")
    func parsesCaseInsensitively() throws {
        let value = "SHA-1 " + (0..<20).map { _ in "ab" }.joined(separator: ":")
        let fingerprint = try DTLSFingerprint(sdpValue: value)
        #expect(fingerprint.algorithm == .sha1)
        #expect(fingerprint.digest == [UInt8](repeating: 0xAB, count: 20))
        #expect(fingerprint.sdpValue == "sha-1 " + (0..<20).map { _ in "AB" }.joined(separator: ":"))
    }

    @Test(
        "malformed fingerprints throw",
        arguments: [
            "", "sha-256", "md5 AB:CD", "sha-256 AB:CD", "sha-256 " + String(repeating: "AB:", count: 32),
            "sha-256 " + (0..<32).map { _ in "G0" }.joined(separator: ":"),
            "sha-256 " + (0..<32).map { _ in "ABC" }.joined(separator: ":"),
            "sha-256  x y",
        ])
    func malformedFingerprints(value: String) {
        #expect(throws: DTLSError.invalidFingerprint(value)) {
            try DTLSFingerprint(sdpValue: value)
        }
    }
}
