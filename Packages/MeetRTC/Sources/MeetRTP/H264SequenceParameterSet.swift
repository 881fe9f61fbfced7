/// The picture size an H.264 sequence parameter set declares (ITU-T H.264
/// §7.3.2.1.1 and §7.4.2.1.1): the coded size in macroblocks, doubled for
/// field coding (`frame_mbs_only_flag` 0), less the cropping rectangle in
/// the units the chroma format sets. High profiles' chroma format, bit
/// depths and scaling lists are read past; nothing after the cropping (the
/// VUI) is read.
///
/// ```
/// profile_idc u(8) | constraint flags u(8) | level_idc u(8) | sps_id ue
/// [high profiles: chroma_format_idc ue, (separate_colour_plane u(1)),
///  bit depths ue ue, qpprime_bypass u(1), scaling matrix u(1) + lists]
/// log2_max_frame_num ue | poc type ue (+ its fields) | max_num_ref ue
/// gaps u(1) | width_in_mbs-1 ue | height_in_map_units-1 ue
/// frame_mbs_only u(1) (+ mbaff u(1)) | direct_8x8 u(1)
/// cropping u(1) (+ left right top bottom ue) | vui ...
/// ```
///
/// The recorder takes the file's picture size from it; the SFU learns each
/// H.264 simulcast layer's size from the SPS its keyframes carry (browsers
/// send SPS and PPS in a STAP-A before the IDR), as it does VP8's from the
/// keyframe header (``VP8KeyframeHeader``).
///
/// The bytes come from the network: every read is bounded, every value
/// range-checked before arithmetic, and anything malformed or truncated is
/// nil. Only the first ``maximumLength`` bytes of a NAL unit are looked at.
public struct H264SequenceParameterSet: Sendable, Hashable {
    public var profile: UInt8
    public var level: UInt8
    /// The picture size after cropping, in pixels.
    public var width: Int
    public var height: Int

    public init(profile: UInt8, level: UInt8, width: Int, height: Int) {
        self.profile = profile
        self.level = level
        self.width = width
        self.height = height
    }

    /// More than any SPS needs up to its cropping fields: 12 scaling lists of
    /// 64 entries with the largest deltas (-128…127, 17 bits each) are 1 632 bytes.
    public static let maximumLength = 2_048
    /// The largest width or height accepted (level 6.2 allows 8 192; the
    /// coded size in macroblocks is bounded the same way).
    public static let maximumDimension = 16_384
    /// Profiles whose SPS carries chroma format, bit depths and scaling lists (§7.3.2.1.1).
    static let highProfiles: Set<UInt64> = [100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]

    /// `nal`: the SPS NAL unit, its one-byte header included (type 7).
    public init?(parsing nal: [UInt8]) {
        guard let sps = nal.withUnsafeBytes({ Self(parsing: $0) }) else { return nil }
        self = sps
    }

    /// `nal`: the SPS NAL unit, its one-byte header included (type 7).
    public init?(parsing nal: UnsafeRawBufferPointer) {
        guard nal.count > 4, nal[0] & 0x1F == H264Keyframe.nalSPS else { return nil }
        var bits = ExpGolombReader(Self.unescaped(nal.dropFirst().prefix(Self.maximumLength)))
        guard let profile = bits.read(8), bits.read(8) != nil, let level = bits.read(8),
            let spsID = bits.ue(), spsID <= 31
        else { return nil }
        var chromaFormat: UInt64 = 1
        var separateColourPlanes = false
        if Self.highProfiles.contains(profile) {
            guard let format = bits.ue(), format <= 3 else { return nil }
            chromaFormat = format
            if chromaFormat == 3 {
                guard let separate = bits.read(1) else { return nil }
                separateColourPlanes = separate == 1
            }
            guard let lumaDepth = bits.ue(), lumaDepth <= 6, let chromaDepth = bits.ue(), chromaDepth <= 6,
                bits.read(1) != nil, let scaling = bits.read(1)
            else { return nil }
            if scaling == 1 {
                for list in 0..<(chromaFormat == 3 ? 12 : 8) {
                    guard let present = bits.read(1) else { return nil }
                    if present == 1, !bits.skipScalingList(list < 6 ? 16 : 64) { return nil }
                }
            }
        }
        guard let log2MaxFrameNum = bits.ue(), log2MaxFrameNum <= 12, let pocType = bits.ue(), pocType <= 2
        else { return nil }
        if pocType == 0 {
            guard let log2MaxPOC = bits.ue(), log2MaxPOC <= 12 else { return nil }
        } else if pocType == 1 {
            guard bits.read(1) != nil, bits.se() != nil, bits.se() != nil, let cycle = bits.ue(), cycle <= 255
            else { return nil }
            for _ in 0..<cycle { guard bits.se() != nil else { return nil } }
        }
        guard bits.ue() != nil, bits.read(1) != nil,  // max_num_ref_frames, gaps_in_frame_num_allowed
            let widthMbs = bits.ue(), let heightMapUnits = bits.ue(), let frameMbsOnly = bits.read(1),
            widthMbs < UInt64(Self.maximumDimension / 16), heightMapUnits < UInt64(Self.maximumDimension / 16)
        else { return nil }
        if frameMbsOnly == 0 { guard bits.read(1) != nil else { return nil } }  // mb_adaptive_frame_field
        guard bits.read(1) != nil, let cropping = bits.read(1) else { return nil }  // direct_8x8_inference
        var crop: (left: UInt64, right: UInt64, top: UInt64, bottom: UInt64) = (0, 0, 0, 0)
        if cropping == 1 {
            guard let left = bits.ue(), let right = bits.ue(), let top = bits.ue(), let bottom = bits.ue(),
                max(left, right, top, bottom) < UInt64(Self.maximumDimension)
            else { return nil }
            crop = (left, right, top, bottom)
        }
        // §7.4.2.1.1: CropUnitX/Y from ChromaArrayType (0 with separate colour planes).
        let arrayType = separateColourPlanes ? 0 : chromaFormat
        let fieldFactor = Int(2 - frameMbsOnly)
        let unitX = arrayType == 1 || arrayType == 2 ? 2 : 1
        let unitY = (arrayType == 1 ? 2 : 1) * fieldFactor
        let width = (Int(widthMbs) + 1) * 16 - unitX * Int(crop.left + crop.right)
        let height = fieldFactor * (Int(heightMapUnits) + 1) * 16 - unitY * Int(crop.top + crop.bottom)
        guard width > 0, height > 0, width <= Self.maximumDimension, height <= Self.maximumDimension else { return nil }
        self.init(profile: UInt8(profile), level: UInt8(level), width: width, height: height)
    }

    /// The SPS an RTP payload carries (RFC 6184): a single NAL unit of type 7,
    /// the first SPS inside a STAP-A (§5.7.1), or the first fragment of an
    /// FU-A (§5.8) whose NAL unit is an SPS (parsed from that fragment alone:
    /// an SPS split further is nil). Anything else, or a malformed
    /// aggregate, is nil.
    public init?(rtpPayload payload: UnsafeRawBufferPointer) {
        guard payload.count > 1 else { return nil }
        switch payload[0] & 0x1F {
        case H264Keyframe.nalSPS:
            self.init(parsing: payload)
        case H264Keyframe.nalSTAPA:
            var offset = 1
            while offset + 2 < payload.count {
                let size = Int(payload[offset]) << 8 | Int(payload[offset + 1])
                let start = offset + 2
                guard size > 0, size <= payload.count - start else { return nil }
                if payload[start] & 0x1F == H264Keyframe.nalSPS {
                    self.init(parsing: UnsafeRawBufferPointer(rebasing: payload[start..<(start + size)]))
                    return
                }
                offset = start + size
            }
            return nil
        case H264Keyframe.nalFUA:
            let header = payload[1]
            guard header & 0x80 != 0, header & 0x1F == H264Keyframe.nalSPS else { return nil }
            // The NAL header is the FU indicator's F and NRI with the FU header's type.
            var nal = [(payload[0] & 0xE0) | H264Keyframe.nalSPS]
            nal.append(contentsOf: payload[2...].prefix(Self.maximumLength))
            self.init(parsing: nal)
        default:
            return nil
        }
    }

    public init?(rtpPayload payload: [UInt8]) {
        guard let sps = payload.withUnsafeBytes({ Self(rtpPayload: $0) }) else { return nil }
        self = sps
    }

    /// The RBSP: every `00 00 03` loses its `03` (emulation prevention, §7.4.1).
    public static func unescaped<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var zeros = 0
        for byte in bytes {
            if zeros >= 2, byte == 3 {
                zeros = 0
                continue
            }
            zeros = byte == 0 ? zeros + 1 : 0
            out.append(byte)
        }
        return out
    }
}

/// Bits of an RBSP, most significant first, with Exp-Golomb codes (§9.1).
/// Every read past the end is nil; a code longer than 32 bits is nil.
struct ExpGolombReader {
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func read(_ count: Int) -> UInt64? {
        guard count >= 0, count <= 64, position + count <= bytes.count * 8 else { return nil }
        var value: UInt64 = 0
        for _ in 0..<count {
            let bit = (bytes[position >> 3] >> (7 - UInt8(position & 7))) & 1
            value = value << 1 | UInt64(bit)
            position += 1
        }
        return value
    }

    /// ue(v): at most 31 leading zeros, so the value fits 32 bits.
    mutating func ue() -> UInt64? {
        var zeros = 0
        while true {
            guard let bit = read(1) else { return nil }
            if bit == 1 { break }
            zeros += 1
            guard zeros < 32 else { return nil }
        }
        guard let rest = read(zeros) else { return nil }
        return (UInt64(1) << zeros) - 1 + rest
    }

    /// se(v).
    mutating func se() -> Int64? {
        guard let code = ue() else { return nil }
        return code & 1 == 1 ? Int64((code + 1) / 2) : -Int64(code / 2)
    }

    /// scaling_list() of `size` entries (§7.3.2.1.1.1), only skipped; a
    /// delta_scale outside -128…127 is malformed (false).
    mutating func skipScalingList(_ size: Int) -> Bool {
        var last: Int64 = 8
        var next: Int64 = 8
        for _ in 0..<size where next != 0 {
            guard let delta = se(), (-128...127).contains(delta) else { return false }
            next = (last + delta + 256) % 256
            last = next == 0 ? last : next
        }
        return true
    }
}
