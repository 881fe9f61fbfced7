import MeetBytes

/// What an established DTLS 1.2 association lets through to OpenSSL.
///
/// RFC 6347 §4.1.2.7: after the handshake, a record that cannot be parsed,
/// is from another epoch, or does not authenticate must be silently
/// discarded; the association must survive it, because anyone who knows the
/// peer's address can send one. OpenSSL discards most such records itself,
/// but not all: OpenSSL 3.0 treats a current-epoch record too short to hold
/// the AEAD nonce and tag (1…23 bytes under AES-GCM) as an internal error and
/// fails the whole connection (one spoofed 22-byte datagram did it, issue 13).
/// So every record of a datagram is checked here first, against its header:
///
/// ```
///  0      1 2     3 4    5 6 7 8 9 10  11 12
/// +------+-------+------+------------+------+------------------+
/// | type |version|epoch | seq number |length| fragment ...     |
/// +------+-------+------+------------+------+------------------+
/// ```
///
/// and only whole DTLS 1.2 records of the current epoch, long enough for the
/// negotiated cipher, reach OpenSSL. An unauthenticated plaintext (epoch 0)
/// alert is dropped like any other record: only an authenticated alert may
/// close the association.
struct DTLSRecordFilter: Sendable, Equatable {
    static let headerLength = 13
    /// DTLS 1.2 on the wire (RFC 6347 §4.1); the context allows nothing else.
    static let version: (UInt8, UInt8) = (0xFE, 0xFD)
    /// RFC 6347 §4.1 (RFC 5246 §6.2.3): a ciphertext fragment is at most
    /// 2^14 + 2048 bytes.
    static let maximumFragmentLength = 16_384 + 2_048

    /// The read epoch after the handshake. Renegotiation is off, so it stays 1.
    var epoch: UInt16 = 1
    /// The smallest fragment the negotiated cipher can produce (explicit
    /// nonce + tag for AES-GCM, tag for ChaCha20-Poly1305, IV + padded MAC
    /// for CBC).
    var minimumFragmentLength: Int

    /// Calls `keep` with the byte range of each record of `datagram` worth
    /// giving to OpenSSL, in order (no allocation), and returns why the
    /// first discarded one was dropped (nil when none was).
    func forEachKeptRecord(
        in datagram: UnsafeRawBufferPointer, _ keep: (Range<Int>) -> Void
    ) -> DTLSDiscardReason? {
        var discarded: DTLSDiscardReason?
        var offset = 0
        while offset < datagram.count {
            guard datagram.count - offset >= Self.headerLength else {
                discarded = discarded ?? .malformed
                break
            }
            let length = Int(datagram.u16(at: offset + 11))
            let end = offset + Self.headerLength + length
            // A length beyond the datagram: nothing after it can be framed.
            guard end <= datagram.count else {
                discarded = discarded ?? .malformed
                break
            }
            if let reason = check(datagram, recordAt: offset, length: length) {
                discarded = discarded ?? reason
            } else {
                keep(offset..<end)
            }
            offset = end
        }
        return discarded
    }

    private func check(_ bytes: UnsafeRawBufferPointer, recordAt offset: Int, length: Int) -> DTLSDiscardReason? {
        guard (20...63).contains(bytes[offset]),
              bytes[offset + 1] == Self.version.0, bytes[offset + 2] == Self.version.1
        else { return .malformed }
        let recordEpoch = bytes.u16(at: offset + 3)
        guard recordEpoch == epoch else { return .otherEpoch }
        guard length >= minimumFragmentLength, length <= Self.maximumFragmentLength else { return .badLength }
        return nil
    }
}

/// Why an established association dropped a received DTLS datagram
/// (RFC 6347 §4.1.2.7). None of these closes it.
public enum DTLSDiscardReason: String, Sendable, Equatable, CaseIterable {
    /// A truncated header, a length beyond the datagram, a content type
    /// outside 20…63, or a version other than DTLS 1.2.
    case malformed
    /// A record of another epoch: a plaintext (epoch 0) record, alert
    /// included, or a future epoch no renegotiation will ever open.
    case otherEpoch = "other_epoch"
    /// Too short to hold the negotiated cipher's nonce and tag, or longer
    /// than a DTLS record may be.
    case badLength = "bad_length"
    /// OpenSSL dropped every record: it did not authenticate, or was a
    /// replay (RFC 6347 §4.1.2.6).
    case rejected
}
