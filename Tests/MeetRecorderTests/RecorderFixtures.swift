import MeetRTP

@testable import MeetRecorder

/// Packets for the recorder's tests: VP8 pictures split the RFC 7741 way, Opus packets.
enum RecorderFixtures {
    /// A VP8 keyframe's first bytes (RFC 6386 §9.1): frame tag with P=0, start code, size.
    static func keyframe(width: Int, height: Int, bytes: Int = 40) -> [UInt8] {
        var frame: [UInt8] = [0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A,
                              UInt8(width & 0xFF), UInt8(width >> 8), UInt8(height & 0xFF), UInt8(height >> 8)]
        while frame.count < bytes { frame.append(UInt8(frame.count & 0xFF)) }
        return frame
    }

    /// A VP8 inter frame (P=1).
    static func interframe(bytes: Int = 20, fill: UInt8 = 0xAB) -> [UInt8] {
        [0x11, 0x02, 0x00] + [UInt8](repeating: fill, count: bytes - 3)
    }

    /// `frame` cut into RTP packets of at most `chunk` payload bytes, each with a
    /// one-byte descriptor (S set on the first, PID 0), marker on the last.
    static func vp8Packets(_ frame: [UInt8], sequence: UInt16, timestamp: UInt32, chunk: Int = 16, ssrc: UInt32 = 1) -> [RTPPacket] {
        stride(from: 0, to: frame.count, by: chunk).enumerated().map { index, start in
            let end = min(start + chunk, frame.count)
            let descriptor: UInt8 = start == 0 ? 0x10 : 0x00
            return RTPPacket(
                marker: end == frame.count, payloadType: 96, sequenceNumber: sequence &+ UInt16(index), timestamp: timestamp, ssrc: ssrc,
                payload: [descriptor] + frame[start..<end])
        }
    }

    static func opus(sequence: UInt16, timestamp: UInt32, payload: [UInt8] = [0xFC, 0xFF, 0xFE]) -> RTPPacket {
        RTPPacket(marker: false, payloadType: 111, sequenceNumber: sequence, timestamp: timestamp, ssrc: 2, payload: payload)
    }

    /// The frames among `actions`, with their times.
    static func writes(_ actions: [TrackRecorder.Action]) -> [(frame: MediaFrame, pts: Int64, duration: Int64)] {
        actions.compactMap {
            if case .write(let frame, let pts, let duration) = $0 { return (frame, pts, duration) }
            return nil
        }
    }
}
