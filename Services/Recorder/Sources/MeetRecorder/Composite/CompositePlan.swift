import Foundation

/// The composite of a recording (docs/dev/recording.md, "Composite"): one
/// MP4 a person can just play, made after the stop from the per-track files
/// by Debian's ffmpeg. This type is the plan only (sans-I/O): which file
/// goes where and when, as ffmpeg arguments; ``CompositeMaker`` runs it.
///
/// - Video: a grid on a black canvas, one cell per publisher's video (a
///   second video of the same publisher at the same time, a screen share
///   say, gets a cell of its own). Each file is shifted to its place on the
///   recording's timeline (`setpts`), scaled into its cell keeping its
///   aspect ratio (a resolution change mid-file included), and overlaid
///   only while it has pictures (`eof_action=pass`: a publisher who left is
///   black again).
/// - Audio: every audio file, its timestamp gaps filled with silence
///   and its overlaps dropped past 20 ms (`aresample=async`,
///   `min_hard_comp=0.02`), behind silence up to its place (`anullsrc` +
///   `concat`: memory stays small however late a publisher came), mixed
///   without lowering the level per input (`normalize=0`).
/// - H.264 (`libx264`, `yuv420p`, `+faststart` so a browser plays it while
///   it downloads) and AAC.
public struct CompositePlan: Sendable, Equatable {
    /// One per-track file and its place on the recording's timeline.
    public struct Input: Sendable, Equatable {
        public var path: String
        public var isVideo: Bool
        /// Which publisher it is (cells are per publisher).
        public var participant: String
        /// Milliseconds from the recording's first segment's origin to the file's first frame.
        public var offsetMilliseconds: Int64
        public var durationMilliseconds: Int64
        /// Set when the file is only in S3 (an earlier segment already
        /// uploaded): ``CompositeDownloads`` fetches it to a local `path`
        /// before the plan runs.
        public var objectKey: String?

        public init(
            path: String, isVideo: Bool, participant: String, offsetMilliseconds: Int64, durationMilliseconds: Int64, objectKey: String? = nil
        ) {
            self.path = path
            self.isVideo = isVideo
            self.participant = participant
            self.offsetMilliseconds = offsetMilliseconds
            self.durationMilliseconds = durationMilliseconds
            self.objectKey = objectKey
        }
    }

    public var inputs: [Input]
    public var width: Int
    public var height: Int
    public var frameRate: Int

    public init(inputs: [Input], width: Int = 1280, height: Int = 720, frameRate: Int = 25) {
        // Earliest first: the order cells fill and inputs are numbered in.
        self.inputs = inputs.filter { $0.durationMilliseconds > 0 }
            .sorted { ($0.offsetMilliseconds, $0.path) < ($1.offsetMilliseconds, $1.path) }
        self.width = width
        self.height = height
        self.frameRate = frameRate
    }

    /// Milliseconds from the first media to the end of the last.
    public var durationMilliseconds: Int64 {
        let start = self.inputs.map(\.offsetMilliseconds).min() ?? 0
        return (self.inputs.map { $0.offsetMilliseconds + $0.durationMilliseconds }.max() ?? 0) - start
    }

    /// Each video input's cell: a publisher's videos that do not overlap in
    /// time share one (its camera across segments); one that overlaps
    /// another of the same publisher takes the next.
    public var cells: [Int] {
        var cells: [Int] = []
        var ends: [(participant: String, end: Int64)] = []  // by cell
        for input in self.inputs where input.isVideo {
            if let free = ends.indices.first(where: { ends[$0].participant == input.participant && ends[$0].end <= input.offsetMilliseconds }) {
                ends[free].end = input.offsetMilliseconds + input.durationMilliseconds
                cells.append(free)
            } else {
                ends.append((participant: input.participant, end: input.offsetMilliseconds + input.durationMilliseconds))
                cells.append(ends.count - 1)
            }
        }
        return cells
    }

    /// The grid's columns and rows for `count` cells: as square as it gets, wider than tall.
    static func grid(_ count: Int) -> (columns: Int, rows: Int) {
        let columns = max(1, Int(Double(max(1, count)).squareRoot().rounded(.up)))
        return (columns, max(1, (count + columns - 1) / columns))
    }

    /// ffmpeg's arguments writing the composite to `output`; nil when there is nothing to compose.
    public func arguments(output: String) -> [String]? {
        guard !self.inputs.isEmpty else { return nil }
        let start = self.inputs.map(\.offsetMilliseconds).min() ?? 0
        let duration = Double(self.durationMilliseconds) / 1000
        var arguments = ["-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
        for input in self.inputs { arguments += ["-i", input.path] }

        var filters: [String] = []
        let videoCells = self.cells
        let (columns, rows) = Self.grid((videoCells.max() ?? -1) + 1)
        let cellWidth = self.width / columns / 2 * 2
        let cellHeight = self.height / rows / 2 * 2
        filters.append("color=c=black:s=\(self.width)x\(self.height):r=\(self.frameRate):d=\(Self.seconds(duration))[base0]")
        var canvas = "base0"
        var videoIndex = 0
        var audio: [String] = []
        for (index, input) in self.inputs.enumerated() {
            let offset = Self.seconds(Double(input.offsetMilliseconds - start) / 1000)
            if input.isVideo {
                let cell = videoCells[videoIndex]
                videoIndex += 1
                let x = (cell % columns) * cellWidth
                let y = (cell / columns) * cellHeight
                filters.append(
                    "[\(index):v]setpts=PTS-STARTPTS+\(offset)/TB,fps=\(self.frameRate),"
                        + "scale=\(cellWidth):\(cellHeight):force_original_aspect_ratio=decrease,"
                        + "pad=\(cellWidth):\(cellHeight):(ow-iw)/2:(oh-ih)/2,setsar=1[v\(index)]")
                filters.append("[\(canvas)][v\(index)]overlay=x=\(x):y=\(y):eof_action=pass[base\(index + 1)]")
                canvas = "base\(index + 1)"
            } else {
                // Silence up to its place from a source (small frames), not
                // `adelay`, whose delay line would hold the whole offset in memory.
                // `min_hard_comp=0.02`: audio follows its timestamps to 20 ms. With the
                // default (0.1 s) a smaller jump was never corrected: a track whose
                // times stepped back at its first sender report (MediaClock packs them 1 ms apart)
                // played 60+ ms late for the rest of the file (docs/benchmarks.md).
                let track =
                    "[\(index):a]aresample=async=1:min_hard_comp=0.02:first_pts=0,aformat=sample_rates=48000:channel_layouts=stereo"
                if input.offsetMilliseconds > start {
                    filters.append("anullsrc=r=48000:cl=stereo:d=\(offset)[s\(index)]")
                    filters.append("\(track)[r\(index)]")
                    filters.append("[s\(index)][r\(index)]concat=n=2:v=0:a=1[a\(index)]")
                } else {
                    filters.append("\(track)[a\(index)]")
                }
                audio.append("[a\(index)]")
            }
        }
        filters.append("[\(canvas)]format=yuv420p[vout]")
        if audio.count > 1 {
            filters.append("\(audio.joined())amix=inputs=\(audio.count):duration=longest:normalize=0[aout]")
        } else if let only = audio.first {
            filters.append("\(only)anull[aout]")
        }
        arguments += ["-filter_complex", filters.joined(separator: ";"), "-map", "[vout]"]
        if !audio.isEmpty { arguments += ["-map", "[aout]"] }
        arguments += ["-c:v", "libx264", "-preset", "veryfast", "-crf", "26", "-r", "\(self.frameRate)"]
        if !audio.isEmpty { arguments += ["-c:a", "aac", "-b:a", "128k", "-ar", "48000"] }
        // Two encoder threads: the recorder's live tracks keep their share of the machine.
        arguments += ["-threads", "2", "-t", Self.seconds(duration), "-movflags", "+faststart", "-f", "mp4", output]
        return arguments
    }

    /// Seconds with millisecond precision, as ffmpeg reads them.
    static func seconds(_ value: Double) -> String {
        String(format: "%.3f", max(0, value))
    }
}
