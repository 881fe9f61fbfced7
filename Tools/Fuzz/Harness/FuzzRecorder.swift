/// libFuzzer entry point for meet-recorder's media layer (compiled into a
/// MeetRecorder module of Services/Recorder/Sources/MeetRecorder/Media by
/// scripts/fuzz, over an instrumented MeetRTP). The input is a stream of
/// datagrams as they would come off a subscriber connection, each a 1-byte
/// time step (ms), a 2-byte length and the bytes; every one that parses as RTP
/// goes through a VP8 and an Opus TrackRecorder. Checks: no trap, frames never
/// empty, presentation times never decrease, VP8 only starts at a keyframe.
public import MeetRTP

@_cdecl("LLVMFuzzerTestOneInput")
public func meetFuzzRecorder(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    var video = TrackRecorder(codec: .vp8, originMicroseconds: 0, reorderCapacity: 8, reorderDelayMicroseconds: 50_000)
    var audio = TrackRecorder(codec: .opus, originMicroseconds: 0, reorderCapacity: 8, reorderDelayMicroseconds: 50_000)
    var lastVideo: Int64 = 0
    var lastAudio: Int64 = 0
    var videoStarted = false
    var now: Int64 = 0
    var index = 0

    func check(_ actions: [TrackRecorder.Action], last: inout Int64, video: Bool) {
        for case .write(let frame, let pts, let duration) in actions {
            guard !frame.data.isEmpty, pts >= last, duration >= 0 else { fatalError("bad write: pts \(pts) after \(last)") }
            if video && !videoStarted {
                guard frame.isKeyframe, frame.videoSize != nil else { fatalError("video did not start at a keyframe") }
                videoStarted = true
            }
            last = pts
        }
    }

    while index + 3 <= bytes.count {
        now += Int64(bytes[index]) * 1000
        let length = Int(bytes[index + 1]) << 8 | Int(bytes[index + 2])
        index += 3
        let datagram = Array(bytes[index..<min(index + length, bytes.count)])
        index += length
        if let report = datagram.count >= 8 ? datagram : nil, report[0] == 0xFF {
            // A stand-in sender report: NTP and RTP times from the bytes.
            let ntp = report[1..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            video.senderReport(localMicroseconds: Int64(truncatingIfNeeded: ntp >> 8), rtpTimestamp: UInt32(truncatingIfNeeded: ntp))
            continue
        }
        guard let packet = try? RTPPacket(parsing: datagram) else { continue }
        check(video.receive(packet, now: now), last: &lastVideo, video: true)
        check(audio.receive(packet, now: now), last: &lastAudio, video: false)
        check(video.tick(now: now), last: &lastVideo, video: true)
        check(audio.tick(now: now), last: &lastAudio, video: false)
    }
    check(video.finish(now: now + 1_000_000), last: &lastVideo, video: true)
    check(audio.finish(now: now + 1_000_000), last: &lastAudio, video: false)
    return 0
}
