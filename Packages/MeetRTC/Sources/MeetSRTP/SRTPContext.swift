import CSRTP

/// One direction of SRTP/SRTCP crypto (RFC 3711, RFC 7714): pure
/// transformation of packets in caller-owned memory, no I/O.
///
/// An outbound context protects, an inbound one unprotects. Streams are made
/// per SSRC on first use, so no SSRC needs declaring up front. Each inbound
/// stream keeps a replay window (RFC 3711 §3.3.2).
///
/// The hot path allocates nothing: the default engine (`NativeSRTPContext`,
/// Swift over OpenSSL's EVP ciphers with contexts made once) works in place,
/// and the `ByteBuffer` methods (in `SRTPContext+ByteBuffer.swift`) only
/// allocate if the buffer is shared or lacks `trailerRoom` spare bytes.
/// libsrtp remains as a second engine, the reference the tests compare with.
///
/// Not thread-safe (per-stream state mutates): confine a context to one task
/// or event loop.
public final class SRTPContext {
    public enum Direction: Sendable, Equatable {
        case inbound
        case outbound
    }

    /// Which implementation transforms the packets.
    @_spi(Testing)
    public enum Engine: Sendable, Equatable, CaseIterable {
        /// Swift over OpenSSL EVP, allocation-free (the default).
        case native
        /// libsrtp 2, the reference.
        case libsrtp
    }

    /// Spare bytes protect needs after the packet: libsrtp's contract,
    /// SRTP_MAX_TRAILER_LEN (tag + MKI) plus the SRTCP index word, kept for
    /// both engines so buffers sized for one fit the other.
    public static let trailerRoom = Int(SRTP_MAX_TRAILER_LEN) + 4

    public let profile: SRTPProfile
    public let direction: Direction
    private let native: NativeSRTPContext?
    private let reference: LibSRTPEngine?

    /// - Parameters:
    ///   - masterKey: 16 bytes.
    ///   - masterSalt: 14 bytes (AES-CM) or 12 bytes (AES-GCM).
    ///   - replayWindow: packets remembered per inbound stream (64...32767);
    ///     1024 tolerates video bursts reordered on the way.
    ///   - allowRetransmission: outbound only; lets the same sequence number
    ///     be protected again (an SFU resending a packet after a NACK).
    public convenience init(
        profile: SRTPProfile,
        masterKey: [UInt8],
        masterSalt: [UInt8],
        direction: Direction,
        replayWindow: Int = 1024,
        allowRetransmission: Bool = true
    ) throws(SRTPError) {
        try self.init(
            profile: profile, masterKey: masterKey, masterSalt: masterSalt, direction: direction,
            replayWindow: replayWindow, allowRetransmission: allowRetransmission, engine: .native)
    }

    /// As the public initializer, with the engine chosen (tests, benchmarks).
    @_spi(Testing)
    public init(
        profile: SRTPProfile,
        masterKey: [UInt8],
        masterSalt: [UInt8],
        direction: Direction,
        replayWindow: Int = 1024,
        allowRetransmission: Bool = true,
        engine: Engine
    ) throws(SRTPError) {
        guard masterKey.count == profile.masterKeyLength,
              masterSalt.count == profile.masterSaltLength
        else { throw .invalidKeyLength }
        switch engine {
        case .native:
            native = try NativeSRTPContext(
                profile: profile, masterKey: masterKey, masterSalt: masterSalt, encrypting: direction == .outbound,
                replayWindow: replayWindow, allowRetransmission: allowRetransmission)
            reference = nil
        case .libsrtp:
            native = nil
            reference = try LibSRTPEngine(
                profile: profile, masterKey: masterKey, masterSalt: masterSalt, inbound: direction == .inbound,
                replayWindow: replayWindow, allowRetransmission: allowRetransmission)
        }
        self.profile = profile
        self.direction = direction
    }

    @_spi(Testing)
    public var engine: Engine { native == nil ? .libsrtp : .native }

    /// Encrypts and authenticates the RTP packet in the first `length` bytes
    /// of `buffer`, appending the tag in place.
    /// - Returns: the SRTP packet's length.
    /// - Throws: `.bufferTooSmall` unless `buffer.count >= length + trailerRoom`.
    public func protectRTP(_ buffer: UnsafeMutableRawBufferPointer, length: Int) throws(SRTPError) -> Int {
        guard direction == .outbound else { throw .wrongDirection }
        guard length >= 0, buffer.count - length >= Self.trailerRoom else { throw .bufferTooSmall }
        guard let headerLength = SRTPPacketCheck.rtpHeaderLength(buffer, length: length, trailer: 0),
              let base = buffer.baseAddress
        else { throw .malformedPacket }
        if let native { return try native.protectRTP(base, length: length, headerLength: headerLength) }
        return try reference!.protectRTP(base, length: length)
    }

    /// Verifies and decrypts the SRTP packet in place.
    /// - Returns: the RTP packet's length (tag removed).
    public func unprotectRTP(_ buffer: UnsafeMutableRawBufferPointer, length: Int) throws(SRTPError) -> Int {
        guard direction == .inbound else { throw .wrongDirection }
        guard length >= 0, length <= buffer.count,
              let headerLength = SRTPPacketCheck.rtpHeaderLength(buffer, length: length, trailer: profile.rtpOverhead),
              let base = buffer.baseAddress
        else { throw .malformedPacket }
        if let native { return try native.unprotectRTP(base, length: length, headerLength: headerLength) }
        return try reference!.unprotectRTP(base, length: length)
    }

    /// Encrypts and authenticates a (compound) RTCP packet in place,
    /// appending the SRTCP index and tag.
    public func protectRTCP(_ buffer: UnsafeMutableRawBufferPointer, length: Int) throws(SRTPError) -> Int {
        guard direction == .outbound else { throw .wrongDirection }
        guard length >= 0, buffer.count - length >= Self.trailerRoom else { throw .bufferTooSmall }
        guard SRTPPacketCheck.isRTCP(buffer, length: length, trailer: 0), let base = buffer.baseAddress else {
            throw .malformedPacket
        }
        if let native { return try native.protectRTCP(base, length: length) }
        return try reference!.protectRTCP(base, length: length)
    }

    /// Verifies and decrypts an SRTCP packet in place.
    public func unprotectRTCP(_ buffer: UnsafeMutableRawBufferPointer, length: Int) throws(SRTPError) -> Int {
        guard direction == .inbound else { throw .wrongDirection }
        guard length >= 0, length <= buffer.count,
              SRTPPacketCheck.isRTCP(buffer, length: length, trailer: profile.rtcpOverhead),
              let base = buffer.baseAddress
        else { throw .malformedPacket }
        if let native { return try native.unprotectRTCP(base, length: length) }
        return try reference!.unprotectRTCP(base, length: length)
    }
}
