import MeetBytes

/// Splits what OpenSSL wrote into its memory BIO back into DTLS records and
/// packs them into datagrams no larger than the MTU.
///
/// A memory BIO has no datagram boundaries: one flight (e.g. ServerHello,
/// Certificate, ServerKeyExchange, CertificateRequest, ServerHelloDone) comes
/// out as one byte run. RFC 6347 §4.1.1 allows several records per datagram
/// but none may span two, so we cut only between records, using each
/// record's 13-byte header:
///
/// ```
///  0      1 2     3 4    5 6 7 8 9 10  11 12
/// +------+-------+------+------------+------+
/// | type |version|epoch | seq number |length|
/// +------+-------+------+------------+------+
/// ```
enum DTLSRecordPacker {
    static let headerLength = 13

    /// Returns datagrams of whole records, each at most `mtu` bytes unless a
    /// single record is larger (OpenSSL already fragments handshake messages
    /// to the MTU we set, so that does not happen in practice).
    static func pack(_ bytes: [UInt8], mtu: Int) -> [ArraySlice<UInt8>] {
        var datagrams: [ArraySlice<UInt8>] = []
        var datagramStart = 0
        var offset = 0
        while offset < bytes.count {
            guard bytes.count - offset >= headerLength else { break }
            let length = Int(bytes.readBigEndian(UInt16.self, at: offset + 11) ?? 0)
            let recordEnd = offset + headerLength + length
            guard recordEnd <= bytes.count else { break }
            if recordEnd - datagramStart > mtu, offset > datagramStart {
                datagrams.append(bytes[datagramStart..<offset])
                datagramStart = offset
            }
            offset = recordEnd
        }
        // Anything unparsable (never expected from OpenSSL) goes out as is.
        if datagramStart < bytes.count {
            datagrams.append(bytes[datagramStart..<bytes.count])
        }
        return datagrams
    }
}
