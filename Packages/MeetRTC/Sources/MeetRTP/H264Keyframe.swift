/// Keyframe detection for H.264 RTP payloads (RFC 6184 §5.2–§5.8).
///
/// An SFU needs this to know when a subscriber can start decoding: a packet
/// carrying an IDR slice (NAL type 5) or a sequence parameter set (type 7, which
/// encoders send right before an IDR) starts a keyframe. Single NAL units,
/// STAP-A aggregates (type 24) and the first fragment of an FU-A (type 28) are
/// inspected; other packetizations report false.
///
/// ```
/// +---------------+
/// |0|1|2|3|4|5|6|7|
/// +-+-+-+-+-+-+-+-+
/// |F|NRI|  Type   |   NAL unit header / STAP-A / FU indicator
/// +---------------+
/// ```
public enum H264Keyframe {
    public static let nalIDR: UInt8 = 5
    public static let nalSPS: UInt8 = 7
    public static let nalPPS: UInt8 = 8
    public static let nalSTAPA: UInt8 = 24
    public static let nalFUA: UInt8 = 28

    /// True when the payload begins or contains an IDR slice or SPS.
    public static func isKeyframe(payload: UnsafeRawBufferPointer) -> Bool {
        guard payload.count >= 1 else { return false }
        let type = payload[0] & 0x1F
        switch type {
        case nalIDR, nalSPS:
            return true
        case nalSTAPA:
            // STAP-A (§5.7.1): [header] then repeated [16-bit size][NAL unit].
            var i = 1
            while i + 2 < payload.count {
                let size = Int(payload[i]) << 8 | Int(payload[i + 1])
                let nal = i + 2
                guard size > 0, size <= payload.count - nal else { return false }
                let t = payload[nal] & 0x1F
                if t == nalIDR || t == nalSPS { return true }
                i = nal + size
            }
            return false
        case nalFUA:
            // FU-A (§5.8): [FU indicator][S|E|R|Type]; the start fragment names the type.
            guard payload.count >= 2 else { return false }
            let header = payload[1]
            return header & 0x80 != 0 && (header & 0x1F == nalIDR || header & 0x1F == nalSPS)
        default:
            return false
        }
    }

    public static func isKeyframe(payload: [UInt8]) -> Bool {
        payload.withUnsafeBytes { isKeyframe(payload: $0) }
    }
}
