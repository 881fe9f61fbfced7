import CSRTP

/// One direction of SRTP/SRTCP crypto (RFC 3711) over libsrtp: pure
/// transformation of packets in caller-owned memory, no I/O.
///
/// An outbound context protects, an inbound one unprotects. Streams are made
/// per SSRC on first use from a template (`ssrc_any_outbound` /
/// `ssrc_any_inbound`), so no SSRC needs declaring up front. Each inbound
/// stream keeps a replay window (RFC 3711 §3.3.2).
///
/// The hot path allocates nothing: the pointer methods work in place, and the
/// `ByteBuffer` methods (in `SRTPContext+ByteBuffer.swift`) only allocate if
/// the buffer is shared or lacks `trailerRoom` spare bytes.
///
/// Not thread-safe (libsrtp mutates per-stream state): confine a context to
/// one task or event loop.
public final class SRTPContext {
    public enum Direction: Sendable, Equatable {
        case inbound
        case outbound
    }

    /// Spare bytes protect needs after the packet. libsrtp's contract is
    /// SRTP_MAX_TRAILER_LEN (tag + MKI), plus the SRTCP index word.
    public static let trailerRoom = Int(SRTP_MAX_TRAILER_LEN) + 4

    public let profile: SRTPProfile
    public let direction: Direction
    /// `srtp_t`; owned, freed in deinit.
    private let session: OpaquePointer

    /// - Parameters:
    ///   - masterKey: 16 bytes.
    ///   - masterSalt: 14 bytes (AES-CM) or 12 bytes (AES-GCM).
    ///   - replayWindow: packets remembered per inbound stream (64...32767);
    ///     1024 tolerates video bursts reordered on the way.
    ///   - allowRetransmission: outbound only; lets the same sequence number
    ///     be protected again (an SFU resending a packet after a NACK).
    public init(
        profile: SRTPProfile,
        masterKey: [UInt8],
        masterSalt: [UInt8],
        direction: Direction,
        replayWindow: Int = 1024,
        allowRetransmission: Bool = true
    ) throws(SRTPError) {
        guard LibSRTP.initialized else { throw .libraryInitFailed }
        guard masterKey.count == profile.masterKeyLength,
              masterSalt.count == profile.masterSaltLength
        else { throw .invalidKeyLength }
        var policy = srtp_policy_t()
        profile.apply(to: &policy)
        policy.ssrc.type = direction == .inbound ? ssrc_any_inbound : ssrc_any_outbound
        policy.window_size = UInt(min(max(replayWindow, 64), 0x7FFF))
        policy.allow_repeat_tx = direction == .outbound && allowRetransmission ? 1 : 0
        policy.next = nil
        var keyAndSalt = masterKey + masterSalt
        var created: OpaquePointer?
        let status = keyAndSalt.withUnsafeMutableBufferPointer { key in
            policy.key = key.baseAddress
            return srtp_create(&created, &policy)
        }
        // libsrtp copied the key; wipe ours.
        for index in keyAndSalt.indices { keyAndSalt[index] = 0 }
        guard status == srtp_err_status_ok, let session = created else {
            throw .setupFailed(code: Int32(bitPattern: status.rawValue))
        }
        self.session = session
        self.profile = profile
        self.direction = direction
    }

    deinit {
        srtp_dealloc(session)
    }

    /// Encrypts and authenticates the RTP packet in the first `length` bytes
    /// of `buffer`, appending the tag in place.
    /// - Returns: the SRTP packet's length.
    /// - Throws: `.bufferTooSmall` unless `buffer.count >= length + trailerRoom`.
    public func protectRTP(_ buffer: UnsafeMutableRawBufferPointer, length: Int) throws(SRTPError) -> Int {
        guard direction == .outbound else { throw .wrongDirection }
        guard length >= 0, buffer.count - length >= Self.trailerRoom else { throw .bufferTooSmall }
        guard SRTPPacketCheck.isRTP(buffer, length: length, trailer: 0) else { throw .malformedPacket }
        return try run(buffer, length: length, srtp_protect)
    }

    /// Verifies and decrypts the SRTP packet in place.
    /// - Returns: the RTP packet's length (tag removed).
    public func unprotectRTP(_ buffer: UnsafeMutableRawBufferPointer, length: Int) throws(SRTPError) -> Int {
        guard direction == .inbound else { throw .wrongDirection }
        guard length >= 0, length <= buffer.count,
              SRTPPacketCheck.isRTP(buffer, length: length, trailer: profile.rtpOverhead)
        else { throw .malformedPacket }
        return try run(buffer, length: length, srtp_unprotect)
    }

    /// Encrypts and authenticates a (compound) RTCP packet in place,
    /// appending the SRTCP index and tag.
    public func protectRTCP(_ buffer: UnsafeMutableRawBufferPointer, length: Int) throws(SRTPError) -> Int {
        guard direction == .outbound else { throw .wrongDirection }
        guard length >= 0, buffer.count - length >= Self.trailerRoom else { throw .bufferTooSmall }
        guard SRTPPacketCheck.isRTCP(buffer, length: length, trailer: 0) else { throw .malformedPacket }
        return try run(buffer, length: length, srtp_protect_rtcp)
    }

    /// Verifies and decrypts an SRTCP packet in place.
    public func unprotectRTCP(_ buffer: UnsafeMutableRawBufferPointer, length: Int) throws(SRTPError) -> Int {
        guard direction == .inbound else { throw .wrongDirection }
        guard length >= 0, length <= buffer.count,
              SRTPPacketCheck.isRTCP(buffer, length: length, trailer: profile.rtcpOverhead)
        else { throw .malformedPacket }
        return try run(buffer, length: length, srtp_unprotect_rtcp)
    }

    private func run(
        _ buffer: UnsafeMutableRawBufferPointer,
        length: Int,
        _ operation: (OpaquePointer?, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int32>?) -> srtp_err_status_t
    ) throws(SRTPError) -> Int {
        guard let base = buffer.baseAddress, length <= Int(Int32.max) else { throw .malformedPacket }
        var newLength = Int32(length)
        let status = operation(session, base, &newLength)
        guard status == srtp_err_status_ok else { throw SRTPError(status: status) }
        return Int(newLength)
    }
}
