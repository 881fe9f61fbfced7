public import MeetRTP

/// One recorded track, sans-I/O: RTP packets and sender reports in, frames
/// with their presentation times out. The pipeline is
/// `RTPReorderBuffer` → depacketizer (VP8 frames, H.264 access units, or one Opus packet per RTP
/// packet, RFC 7587 §4.2) → `MediaClock`; the caller writes `.write` actions
/// to the track's file and sends a PLI on `.requestKeyframe`.
///
/// Each frame is held until the next one, so it is written with its real
/// duration (the next frame's time minus its own); `finish` writes the last
/// one with the previous duration.
public struct TrackRecorder: Sendable {
    public enum Action: Hashable, Sendable {
        case write(MediaFrame, presentationMilliseconds: Int64, durationMilliseconds: Int64)
        case requestKeyframe
        /// Packets lost for good (a gap in the file).
        case lost(packets: Int64)
    }

    public let codec: TrackCodec
    /// The last picture size seen; a change is logged by the caller (WebM takes any size).
    public private(set) var videoSize: VideoSize?
    /// How many times the picture size changed.
    public private(set) var resolutionChanges = 0
    public private(set) var framesWritten = 0

    private var reorder: RTPReorderBuffer
    private var vp8 = VP8FrameAssembler()
    private var h264 = H264AccessUnitAssembler()
    private var clock: MediaClock
    private var pending: (frame: MediaFrame, pts: Int64)?
    private var lastDuration: Int64
    private var arrivals: [Int64: Int64] = [:]
    private var lastKeyframeRequest: Int64?
    private let keyframeRetryMicroseconds: Int64

    public init(
        codec: TrackCodec, originMicroseconds: Int64, reorderCapacity: Int = 64, reorderDelayMicroseconds: Int64 = 200_000,
        keyframeRetryMicroseconds: Int64 = 1_000_000
    ) {
        self.codec = codec
        self.reorder = RTPReorderBuffer(capacity: reorderCapacity, maxDelayMicroseconds: reorderDelayMicroseconds)
        self.clock = MediaClock(clockRate: codec.clockRate, originMicroseconds: originMicroseconds)
        self.lastDuration = codec.isVideo ? 33 : 20
        self.keyframeRetryMicroseconds = keyframeRetryMicroseconds
    }

    /// Packets dropped as late or duplicate by the reorder buffer.
    public var latePackets: Int { reorder.latePackets }
    public var duplicatePackets: Int { reorder.duplicatePackets }
    /// Video frames dropped (incomplete, or waiting for a keyframe).
    public var droppedFrames: Int { codec == .h264 ? h264.droppedFrames : vp8.droppedFrames }
    private var isWaitingForKeyframe: Bool { codec == .h264 ? h264.isWaitingForKeyframe : vp8.isWaitingForKeyframe }
    public var isSynchronized: Bool { clock.isSynchronized }

    /// One RTP packet that arrived at `now` (local microseconds).
    public mutating func receive(_ packet: RTPPacket, now: Int64) -> [Action] {
        let timestamp = clock.extend(packet.timestamp)
        if arrivals[timestamp] == nil {
            // First arrival of each picture, for the clock before the first SR; bounded by the reorder window.
            if arrivals.count >= reorder.capacity * 2, let oldest = arrivals.keys.min() { arrivals[oldest] = nil }
            arrivals[timestamp] = now
        }
        return handle(reorder.insert(packet, now: now), now: now)
    }

    /// A sender report whose NTP time the sender's `SenderClock` moved onto the local clock.
    public mutating func senderReport(localMicroseconds: Int64, rtpTimestamp: UInt32) {
        clock.senderReport(localMicroseconds: localMicroseconds, rtpTimestamp: rtpTimestamp)
    }

    /// Time passes: holes older than the reorder delay become losses, and a
    /// keyframe still missing is asked for again.
    public mutating func tick(now: Int64) -> [Action] {
        var actions = handle(reorder.advance(now: now), now: now)
        if codec.isVideo, isWaitingForKeyframe, let last = lastKeyframeRequest, now - last >= keyframeRetryMicroseconds {
            lastKeyframeRequest = now
            actions.append(.requestKeyframe)
        }
        return actions
    }

    /// The end of the recording: everything held is written.
    public mutating func finish(now: Int64) -> [Action] {
        var actions = handle(reorder.flush(), now: now)
        if let pending {
            actions.append(.write(pending.frame, presentationMilliseconds: pending.pts, durationMilliseconds: lastDuration))
            framesWritten += 1
            self.pending = nil
        }
        return actions
    }

    private mutating func handle(_ outputs: [RTPReorderBuffer.Output], now: Int64) -> [Action] {
        var actions: [Action] = []
        for output in outputs {
            switch output {
            case .lost(let count):
                actions.append(.lost(packets: count))
                switch codec {
                case .vp8: vp8.lost().forEach { depacketized($0, now: now, into: &actions) }
                case .h264: h264.lost().forEach { depacketized($0, now: now, into: &actions) }
                case .opus: break
                }
            case .packet(let packet):
                let timestamp = clock.extend(packet.timestamp)
                switch codec {
                case .vp8:
                    vp8.append(packet, timestamp: timestamp).forEach { depacketized($0, now: now, into: &actions) }
                case .h264:
                    h264.append(packet, timestamp: timestamp).forEach { depacketized($0, now: now, into: &actions) }
                case .opus:
                    guard !packet.payload.isEmpty else { continue }
                    emit(MediaFrame(data: packet.payload, rtpTimestamp: timestamp, isKeyframe: true), now: now, into: &actions)
                }
            }
        }
        return actions
    }

    private mutating func depacketized(_ output: VP8FrameAssembler.Output, now: Int64, into actions: inout [Action]) {
        switch output {
        case .needKeyframe:
            lastKeyframeRequest = now
            actions.append(.requestKeyframe)
        case .frame(let frame):
            if let size = frame.videoSize {
                if let videoSize, videoSize != size { resolutionChanges += 1 }
                videoSize = size
            }
            emit(frame, now: now, into: &actions)
        }
    }

    private mutating func emit(_ frame: MediaFrame, now: Int64, into actions: inout [Action]) {
        let arrival = arrivals.removeValue(forKey: frame.rtpTimestamp) ?? now
        let pts = clock.presentationMilliseconds(rtp: frame.rtpTimestamp, arrivalMicroseconds: arrival)
        if let pending {
            let duration = pts - pending.pts
            if duration > 0 { lastDuration = duration }
            actions.append(.write(pending.frame, presentationMilliseconds: pending.pts, durationMilliseconds: max(duration, 0)))
            framesWritten += 1
        }
        pending = (frame, pts)
    }
}
