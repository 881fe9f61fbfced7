/// The client-to-mixer audio level header extension (RFC 6464 §3), URI
/// `urn:ietf:params:rtp-hdrext:ssrc-audio-level`: one byte with the
/// voice-activity flag and the level of the audio in the packet, in −dBov.
///
/// ```
///  0                   1
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  ID   | len=0 |V| level       |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
///
/// `level` 0 is the loudest (0 dBov), 127 silence (−127 dBov and below).
/// `V` is the sender's voice-activity verdict; senders without a detector
/// (aiortc) leave it 0 (§4: "vad=off" or absent means it carries nothing).
public struct RTPAudioLevel: Hashable, Sendable {
    /// −dBov of the packet's audio, 0 (loudest) ... 127 (silent).
    public var level: UInt8
    /// The V bit: the sender judged the packet to contain speech.
    public var voiceActivity: Bool

    /// The level of digital silence.
    public static let silent: UInt8 = 127

    /// `level` above 127 is clamped to 127.
    public init(level: UInt8, voiceActivity: Bool) {
        self.level = min(level, Self.silent)
        self.voiceActivity = voiceActivity
    }

    /// From the extension's first data byte.
    public init(byte: UInt8) {
        level = byte & 0x7F
        voiceActivity = byte & 0x80 != 0
    }

    /// The extension's data byte.
    public var byte: UInt8 { (voiceActivity ? 0x80 : 0) | level }

    /// Reads extension `id` of the packet `header` was parsed from; nil when
    /// the packet carries none, the element is empty or the block is
    /// malformed. Allocation-free (the SFU calls it per audio packet).
    @inline(__always)
    public init?(packet: UnsafeRawBufferPointer, header: RTPHeader, extensionID id: UInt8) {
        guard header.extensionProfile != nil,
            let range = try? header.extensionRange(id: id, in: packet), !range.isEmpty
        else { return nil }
        self.init(byte: packet[range.lowerBound])
    }
}
