import MeetBytes

/// PLI: Picture Loss Indication (RFC 4585 §6.3.1), PT=PSFB (206), FMT=1.
/// Asks the sender of `mediaSSRC` for a keyframe; the SFU forwards it to the publisher.
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|  FMT=1  |    PT=206     |          length=2             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of packet sender                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of media source                         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
public struct RTCPPictureLossIndication: Hashable, Sendable {
    public static let format: UInt8 = 1

    public var senderSSRC: UInt32
    public var mediaSSRC: UInt32

    public init(senderSSRC: UInt32, mediaSSRC: UInt32) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
    }

    public init(parsing bytes: UnsafeRawBufferPointer) throws {
        var (_, r) = try RTCPHeader.body(of: bytes, type: RTCPPacketType.payloadFeedback, format: Self.format)
        senderSSRC = try r.u32()
        mediaSSRC = try r.u32()
    }

    public func write(into out: inout [UInt8]) {
        RTCPHeader.write(count: Self.format, packetType: RTCPPacketType.payloadFeedback, into: &out) { out in
            out.appendBigEndian(senderSSRC)
            out.appendBigEndian(mediaSSRC)
        }
    }
}
