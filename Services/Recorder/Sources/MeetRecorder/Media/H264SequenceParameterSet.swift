/// What the recorder needs of an H.264 sequence parameter set (ITU-T H.264
/// §7.3.2.1.1): the picture size after cropping, for the file's header and
/// the resolution-change log. Emulation prevention bytes (`00 00 03`) are
/// removed first; a truncated or malformed SPS is nil.
public struct H264SequenceParameterSet: Sendable, Equatable {
    public var profile: UInt8
    public var level: UInt8
    public var size: VideoSize

    /// `nal`: the SPS NAL unit, its one-byte header included.
    public init?(parsing nal: [UInt8]) {
        guard nal.count > 4, nal[0] & 0x1F == 7 else { return nil }
        var bits = ExpGolombReader(Self.unescaped(nal.dropFirst()))
        guard let profile = bits.read(8), bits.read(8) != nil, let level = bits.read(8), bits.ue() != nil else { return nil }
        var chromaFormat = 1
        var separateColourPlanes = false
        if [100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135].contains(profile) {
            guard let format = bits.ue() else { return nil }
            chromaFormat = Int(format)
            if chromaFormat == 3 { separateColourPlanes = bits.read(1) == 1 }
            guard bits.ue() != nil, bits.ue() != nil, bits.read(1) != nil, let scaling = bits.read(1) else { return nil }
            if scaling == 1 {
                for list in 0..<(chromaFormat == 3 ? 12 : 8) {
                    guard let present = bits.read(1) else { return nil }
                    if present == 1, !bits.skipScalingList(list < 6 ? 16 : 64) { return nil }
                }
            }
        }
        guard bits.ue() != nil, let pocType = bits.ue() else { return nil }  // log2_max_frame_num, pic_order_cnt_type
        if pocType == 0 {
            guard bits.ue() != nil else { return nil }
        } else if pocType == 1 {
            guard bits.read(1) != nil, bits.se() != nil, bits.se() != nil, let cycle = bits.ue(), cycle <= 255 else { return nil }
            for _ in 0..<cycle { guard bits.se() != nil else { return nil } }
        }
        guard bits.ue() != nil, bits.read(1) != nil,  // max_num_ref_frames, gaps_in_frame_num_allowed
            let widthMbs = bits.ue(), let heightMapUnits = bits.ue(), let frameMbsOnly = bits.read(1)
        else { return nil }
        if frameMbsOnly == 0 { guard bits.read(1) != nil else { return nil } }
        guard bits.read(1) != nil, let cropping = bits.read(1) else { return nil }
        var crop = (left: UInt64(0), right: UInt64(0), top: UInt64(0), bottom: UInt64(0))
        if cropping == 1 {
            guard let left = bits.ue(), let right = bits.ue(), let top = bits.ue(), let bottom = bits.ue() else { return nil }
            crop = (left, right, top, bottom)
        }
        // §7.4.2.1.1: crop units depend on the chroma format.
        let arrayType = separateColourPlanes ? 0 : chromaFormat
        let unitX = arrayType == 0 ? 1 : (arrayType == 3 ? 1 : 2)
        let unitY = (arrayType == 0 ? 1 : (arrayType == 1 ? 2 : 1)) * (2 - Int(frameMbsOnly))
        let width = (Int(widthMbs) + 1) * 16 - unitX * Int(crop.left + crop.right)
        let height = (2 - Int(frameMbsOnly)) * (Int(heightMapUnits) + 1) * 16 - unitY * Int(crop.top + crop.bottom)
        guard width > 0, height > 0, width <= 16384, height <= 16384 else { return nil }
        self.profile = UInt8(profile)
        self.level = UInt8(level)
        self.size = VideoSize(width: width, height: height)
    }

    /// The RBSP: every `00 00 03` loses its `03`.
    static func unescaped<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> [UInt8] {
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
/// Every read past the end is nil.
struct ExpGolombReader {
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func read(_ count: Int) -> UInt64? {
        guard count <= 64, position + count <= bytes.count * 8 else { return nil }
        var value: UInt64 = 0
        for _ in 0..<count {
            let bit = (bytes[position >> 3] >> (7 - UInt8(position & 7))) & 1
            value = value << 1 | UInt64(bit)
            position += 1
        }
        return value
    }

    /// ue(v).
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

    /// scaling_list() of `size` entries (§7.3.2.1.1.1): only skipped.
    mutating func skipScalingList(_ size: Int) -> Bool {
        var last: Int64 = 8
        var next: Int64 = 8
        for _ in 0..<size where next != 0 {
            guard let delta = se() else { return false }
            next = (last + delta + 256) % 256
            last = next == 0 ? last : next
        }
        return true
    }
}

/// H.264's byte stream format (ITU-T H.264 Annex B): NAL units behind `00 00 01` start codes.
enum AnnexB {
    /// The NAL units of `stream`, without start codes or trailing zero bytes.
    static func units(_ stream: [UInt8]) -> [ArraySlice<UInt8>] {
        var units: [ArraySlice<UInt8>] = []
        var start: Int?
        var index = 0
        while index + 3 <= stream.count {
            if stream[index] == 0, stream[index + 1] == 0, stream[index + 2] == 1 {
                if let begin = start {
                    var end = index
                    while end > begin, stream[end - 1] == 0 { end -= 1 }
                    if end > begin { units.append(stream[begin..<end]) }
                }
                index += 3
                start = index
            } else {
                index += 1
            }
        }
        if let begin = start, begin < stream.count { units.append(stream[begin...]) }
        return units
    }
}
