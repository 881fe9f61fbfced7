internal import CMeetMux
import Foundation

/// One per-track file, written through libavformat without transcoding
/// (CMeetMux): VP8 and Opus in WebM, H.264 in Matroska. The file is written as `<path>.part`
/// and renamed to `path` by `finish`, so a finished name is a finished file.
///
/// Video opens the file at its first keyframe, which carries the picture
/// size the header needs; frames before it are refused (the TrackRecorder
/// hands none). Not thread-safe: one track's task owns it.
public final class TrackWriter {
    public let path: String
    public let codec: TrackCodec
    public private(set) var bytesWritten = 0
    /// The finished file's size (container included), once ``finish()`` renamed it.
    public private(set) var fileBytes = 0
    public private(set) var framesWritten = 0
    public private(set) var firstMilliseconds: Int64?
    public private(set) var lastEndMilliseconds: Int64 = 0

    private var muxer: OpaquePointer?
    private var partPath: String { path + ".part" }

    public init(path: String, codec: TrackCodec) {
        self.path = path
        self.codec = codec
    }

    deinit {
        if let muxer { meet_mux_abort(muxer) }
    }

    /// Writes one frame at `presentationMilliseconds`.
    public func write(_ frame: MediaFrame, presentationMilliseconds: Int64, durationMilliseconds: Int64) throws(MuxError) {
        if muxer == nil { try open(first: frame) }
        let code = frame.data.withUnsafeBufferPointer { data in
            meet_mux_write(
                muxer, data.baseAddress, data.count, presentationMilliseconds, durationMilliseconds, frame.isKeyframe ? 1 : 0)
        }
        guard code >= 0 else { throw MuxError("write", code: code) }
        bytesWritten += frame.data.count
        framesWritten += 1
        if firstMilliseconds == nil { firstMilliseconds = presentationMilliseconds }
        lastEndMilliseconds = max(lastEndMilliseconds, presentationMilliseconds + durationMilliseconds)
    }

    /// Writes the trailer and renames the file to its final name. False when
    /// nothing was ever written (no file exists).
    @discardableResult
    public func finish() throws(MuxError) -> Bool {
        guard let muxer else { return false }
        self.muxer = nil
        let code = meet_mux_close(muxer)
        guard code >= 0 else { throw MuxError("close", code: code) }
        guard rename(partPath, path) == 0 else {
            throw MuxError("rename", code: -errno, message: String(cString: strerror(errno)))
        }
        fileBytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? bytesWritten
        return true
    }

    /// Milliseconds from the first frame to the end of the last.
    public var durationMilliseconds: Int64 { firstMilliseconds.map { lastEndMilliseconds - $0 } ?? 0 }

    private func open(first frame: MediaFrame) throws(MuxError) {
        var params = meet_mux_params()
        params.format = nil
        var extradata: [UInt8] = []
        switch codec {
        case .vp8, .h264:
            guard frame.isKeyframe, let size = frame.videoSize else { throw MuxError("open", code: -22, message: "video must start with a keyframe") }
            params.codec = Int32(codec == .vp8 ? MEET_MUX_CODEC_VP8 : MEET_MUX_CODEC_H264)
            params.width = Int32(size.width)
            params.height = Int32(size.height)
            if codec == .h264 {
                // The keyframe's SPS and PPS (H264AccessUnitAssembler puts them in): the header's avcC.
                extradata = Self.parameterSets(frame.data)
                guard !extradata.isEmpty else { throw MuxError("open", code: -22, message: "an H.264 keyframe without SPS and PPS") }
            }
        case .opus:
            params.codec = Int32(MEET_MUX_CODEC_OPUS)
            params.sample_rate = 48_000
            params.channels = 2
        }
        var opened: OpaquePointer?
        let code = (codec == .h264 ? "matroska" : "webm").withCString { format in
            params.format = format
            return extradata.withUnsafeBufferPointer { bytes in
                params.extradata = bytes.baseAddress
                params.extradata_size = bytes.count
                return meet_mux_open(&opened, partPath, &params)
            }
        }
        guard code >= 0, let opened else { throw MuxError("open", code: code) }
        muxer = opened
    }

    /// The SPS and PPS NAL units of an Annex B access unit, each behind a
    /// 4-byte start code; empty unless both are there.
    static func parameterSets(_ accessUnit: [UInt8]) -> [UInt8] {
        let units = AnnexB.units(accessUnit)
        let sets = units.filter { $0.first.map { [7, 8].contains($0 & 0x1F) } ?? false }
        guard sets.contains(where: { $0.first! & 0x1F == 7 }), sets.contains(where: { $0.first! & 0x1F == 8 }) else { return [] }
        return sets.flatMap { [0, 0, 0, 1] + $0 }
    }
}

/// What a finished file holds, read back through libavformat.
public struct TrackFileInfo: Hashable, Sendable {
    public var codec: String
    public var format: String
    /// How many streams the file holds (a per-track file: 1; the composite: video and audio).
    public var streams: Int
    public var width: Int
    public var height: Int
    public var sampleRate: Int
    /// The first packet's start: the file's place on its segment's timeline.
    public var startMilliseconds: Int64
    public var durationMilliseconds: Int64
    public var packets: Int64
    public var keyframes: Int64
    /// The file ends mid-way (its writer died); the packets before the tear are counted.
    public var truncated: Bool

    /// Reads every packet of the file at `path`.
    public init(probing path: String) throws(MuxError) {
        var info = meet_mux_info()
        let code = meet_mux_probe(path, &info)
        guard code >= 0 else { throw MuxError("probe", code: code) }
        codec = withUnsafeBytes(of: info.codec) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        format = withUnsafeBytes(of: info.format) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        streams = Int(info.streams)
        width = Int(info.width)
        height = Int(info.height)
        sampleRate = Int(info.sample_rate)
        startMilliseconds = info.start_ms
        durationMilliseconds = info.duration_ms
        packets = info.packets
        keyframes = info.keyframes
        truncated = info.truncated != 0
    }

    /// Copies what is readable of a file whose writer died (no trailer, a torn
    /// last cluster) into `output` with a proper trailer, without transcoding.
    public static func repair(_ input: String, into output: String) throws(MuxError) {
        let code = meet_mux_repair(input, output)
        guard code >= 0 else { throw MuxError("repair", code: code) }
    }
}
