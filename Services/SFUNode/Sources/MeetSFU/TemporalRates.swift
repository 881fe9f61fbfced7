/// A simulcast layer's temporal layers (VP8 TID 0–3) as ``LayerMonitor``
/// measured them over its last window: bits and frames per second,
/// **cumulative** up to each TID (what a subscriber forwarded TID ≤ t
/// costs and shows). `count` 0: the layer carries no TIDs (H.264, a VP8
/// encoder without temporal layers), and only its full rate exists.
/// Fixed storage, no allocation.
public struct TemporalRates: Sendable, Equatable {
    public static let maximumLayers = 4

    /// Temporal layers seen (the highest TID + 1); 0 without TIDs.
    public internal(set) var count = 0
    private var bits: (Int, Int, Int, Int) = (0, 0, 0, 0)
    private var frames: (Int, Int, Int, Int) = (0, 0, 0, 0)

    public init() {}

    /// Test and caller convenience: per-TID bits/s and frames/s, each **not** cumulative.
    public init(perLayerBitrates: [Int], frameRates: [Int]) {
        for (tid, bitrate) in perLayerBitrates.enumerated() where tid < Self.maximumLayers {
            add(bytes: bitrate / 8, frames: tid < frameRates.count ? frameRates[tid] : 0, tid: tid)
        }
        self = cumulative(scale: 8, divisor: 1)
    }

    /// Bits/s of TIDs 0...`tid` (clamped to what was seen).
    public func bitrate(upTo tid: Int) -> Int { Self.get(bits, min(tid, count - 1)) }
    /// Frames/s of TIDs 0...`tid`.
    public func frameRate(upTo tid: Int) -> Int { Self.get(frames, min(tid, count - 1)) }

    // MARK: Accumulating (the monitor's window)

    /// One packet of `bytes` of temporal layer `tid`, starting a frame when `frames` is 1.
    @inline(__always)
    mutating func add(bytes: Int, frames newFrames: Int, tid: Int) {
        guard tid >= 0 && tid < Self.maximumLayers else { return }
        count = max(count, tid + 1)
        switch tid {
        case 0: bits.0 += bytes; frames.0 += newFrames
        case 1: bits.1 += bytes; frames.1 += newFrames
        case 2: bits.2 += bytes; frames.2 += newFrames
        default: bits.3 += bytes; frames.3 += newFrames
        }
    }

    /// The window's sums made cumulative per TID and scaled: bytes × `scale` / `divisor`, frames / `divisor`
    /// (`divisor`: the window in seconds, as a fraction: the monitor passes its nanoseconds over 10^9).
    func cumulative(scale: Int, divisor: Double) -> TemporalRates {
        var result = TemporalRates()
        result.count = count
        var bitSum = 0
        var frameSum = 0
        for tid in 0..<count {
            bitSum += Self.get(bits, tid)
            frameSum += Self.get(frames, tid)
            result.set(bits: Int(Double(bitSum * scale) / divisor), frames: Int((Double(frameSum) / divisor).rounded()), tid: tid)
        }
        return result
    }

    private mutating func set(bits value: Int, frames frameValue: Int, tid: Int) {
        switch tid {
        case 0: bits.0 = value; frames.0 = frameValue
        case 1: bits.1 = value; frames.1 = frameValue
        case 2: bits.2 = value; frames.2 = frameValue
        default: bits.3 = value; frames.3 = frameValue
        }
    }

    private static func get(_ values: (Int, Int, Int, Int), _ tid: Int) -> Int {
        switch tid {
        case 0: values.0
        case 1: values.1
        case 2: values.2
        case 3: values.3
        default: 0
        }
    }

    public static func == (a: TemporalRates, b: TemporalRates) -> Bool {
        a.count == b.count && (0..<a.count).allSatisfy { a.bitrate(upTo: $0) == b.bitrate(upTo: $0) && a.frameRate(upTo: $0) == b.frameRate(upTo: $0) }
    }
}
