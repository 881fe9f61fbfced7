@_spi(Testing) import MeetSRTP

/// Helpers for comparing the native SRTP engine with libsrtp.
extension SRTPContext {
    static func make(
        _ profile: SRTPProfile, _ direction: Direction, engine: Engine,
        key: [UInt8]? = nil, replayWindow: Int = 1024
    ) throws -> SRTPContext {
        try SRTPContext(
            profile: profile, masterKey: key ?? profile.testKey, masterSalt: profile.testSalt, direction: direction,
            replayWindow: replayWindow, engine: engine)
    }

    /// The transformed bytes or the error, so two engines' answers compare.
    func outcome(_ packet: [UInt8], rtcp: Bool) -> Result<[UInt8], SRTPError> {
        Result { () throws(SRTPError) -> [UInt8] in
            try srtpTransform(packet) { (bytes, length) throws(SRTPError) in
                switch (direction, rtcp) {
                case (.outbound, false): try protectRTP(bytes, length: length)
                case (.outbound, true): try protectRTCP(bytes, length: length)
                case (.inbound, false): try unprotectRTP(bytes, length: length)
                case (.inbound, true): try unprotectRTCP(bytes, length: length)
                }
            }
        }
    }
}

extension SeededRandom {
    /// An RTP packet with random CSRCs, header extension, padding and
    /// payload (RFC 3550 §5.1, RFC 8285).
    mutating func rtpPacket(sequence: UInt16, ssrc: UInt32) -> [UInt8] {
        let csrcCount = Int.random(in: 0...4, using: &self) == 0 ? Int.random(in: 1...15, using: &self) : 0
        let hasExtension = Bool.random(using: &self)
        let padding = Int.random(in: 0...3, using: &self) == 0 ? Int.random(in: 1...16, using: &self) : 0
        var packet: [UInt8] = [
            0x80 | (padding > 0 ? 0x20 : 0) | (hasExtension ? 0x10 : 0) | UInt8(csrcCount),
            UInt8.random(in: 96...127, using: &self) | (Bool.random(using: &self) ? 0x80 : 0),
            UInt8(sequence >> 8), UInt8(sequence & 0xFF),
        ]
        packet += bytes(4)  // timestamp
        packet += withUnsafeBytes(of: ssrc.bigEndian, Array.init)
        packet += bytes(4 * csrcCount)
        if hasExtension {
            let words = Int.random(in: 0...4, using: &self)
            packet += [0xBE, 0xDE, 0, UInt8(words)] + bytes(4 * words)
        }
        packet += bytes(Int.random(in: 0...1200, using: &self))
        if padding > 0 { packet += [UInt8](repeating: 0, count: padding - 1) + [UInt8(padding)] }
        return packet
    }

    /// A compound-RTCP-shaped packet: V=2, a 200-206 type, the sender SSRC,
    /// a body of whole words.
    mutating func rtcpPacket(ssrc: UInt32) -> [UInt8] {
        let words = Int.random(in: 0...50, using: &self)
        var packet: [UInt8] = [0x80 | UInt8.random(in: 0...31, using: &self), UInt8.random(in: 200...206, using: &self)]
        packet += [UInt8(words >> 8), UInt8(words & 0xFF)]
        packet += withUnsafeBytes(of: ssrc.bigEndian, Array.init)
        return packet + bytes(4 * words)
    }

    /// A copy of `packet` with one random bit flipped.
    mutating func tampered(_ packet: [UInt8]) -> [UInt8] {
        var copy = packet
        let position = Int.random(in: 0..<copy.count, using: &self)
        copy[position] ^= 1 << UInt8.random(in: 0...7, using: &self)
        return copy
    }
}

/// Tallies which outcomes a differential run saw, to show it covered them.
struct OutcomeTally {
    var accepted = 0
    var replayed = 0
    var tooOld = 0
    var authenticationFailed = 0
    var malformed = 0
    var other = 0

    mutating func add(_ outcome: Result<[UInt8], SRTPError>) {
        switch outcome {
        case .success: accepted += 1
        case .failure(.replayed): replayed += 1
        case .failure(.tooOld): tooOld += 1
        case .failure(.authenticationFailed): authenticationFailed += 1
        case .failure(.malformedPacket): malformed += 1
        case .failure: other += 1
        }
    }
}
