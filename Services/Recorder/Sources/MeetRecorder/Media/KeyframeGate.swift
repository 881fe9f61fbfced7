/// The rule both video depacketizers (``VP8FrameAssembler``,
/// ``H264AccessUnitAssembler``) follow after a loss: every picture is
/// dropped until the next keyframe, a keyframe is asked for once (again
/// only after a new loss), and the drops are counted. The file never holds
/// a picture that references one that is not in it.
struct KeyframeGate: Sendable {
    /// Pictures dropped: incomplete, malformed, too big, or waiting for a keyframe.
    private(set) var droppedFrames = 0
    /// True while pictures are dropped until a keyframe (the recorder repeats its PLI).
    private(set) var isWaiting = true
    private var requested = false

    /// Packets were lost: wait for a keyframe, and ask for one afresh.
    mutating func lost() {
        self.isWaiting = true
        self.requested = false
    }

    /// A picture that cannot be written: dropped, and a keyframe is needed.
    mutating func broken(into out: inout [VP8FrameAssembler.Output]) {
        self.droppedFrames += 1
        self.isWaiting = true
        self.request(into: &out)
    }

    /// A whole picture: true when it may be written (a keyframe, or nothing
    /// is awaited); otherwise it is dropped and a keyframe asked for.
    mutating func admit(keyframe: Bool, into out: inout [VP8FrameAssembler.Output]) -> Bool {
        if self.isWaiting && !keyframe {
            self.droppedFrames += 1
            self.request(into: &out)
            return false
        }
        if keyframe {
            self.isWaiting = false
            self.requested = false
        }
        return true
    }

    /// Asks for a keyframe unless already asked since the last loss or keyframe.
    mutating func request(into out: inout [VP8FrameAssembler.Output]) {
        guard !self.requested else { return }
        self.requested = true
        out.append(.needKeyframe)
    }
}
