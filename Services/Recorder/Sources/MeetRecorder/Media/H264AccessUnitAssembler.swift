public import MeetRTP

/// Rebuilds H.264 access units from in-order RTP packets (RFC 6184,
/// packetization modes 0 and 1): a single NAL unit (types 1–23), STAP-A
/// (24: several NAL units, each behind a 16-bit size) and FU-A (28: one NAL
/// unit in fragments, S and E bits). The NAL units of one picture (one RTP
/// timestamp, ended by the marker bit or the next timestamp) become one
/// access unit in Annex B form (`00 00 00 01` before each NAL unit), which
/// the Matroska muxer stores length-prefixed with the SPS and PPS as its
/// `avcC` (libavformat converts).
///
/// Like ``VP8FrameAssembler``: an access unit with a hole (a lost packet, an
/// FU-A without its start or end, a malformed aggregate) is dropped, and so is
/// everything until the next IDR picture, and a keyframe is asked for. An
/// IDR picture counts as a keyframe only once an SPS and a PPS were seen
/// (in it, or before it): the file's header needs them. Units of types
/// the decoder does not need (SEI 6, access unit delimiter 9, filler 12)
/// are passed through; STAP-B, MTAP and FU-B (modes this SFU never
/// negotiates) break the picture.
public struct H264AccessUnitAssembler: Sendable {
    public typealias Output = VP8FrameAssembler.Output

    public let maximumFrameBytes: Int
    /// The latest SPS and PPS (without start codes), for the file's header.
    public private(set) var sps: [UInt8]?
    public private(set) var pps: [UInt8]?

    private var gate = KeyframeGate()
    private var nalUnits: [[UInt8]] = []
    private var size = 0
    private var fragment: [UInt8]?
    private var timestamp: Int64?
    private var broken = false

    public var droppedFrames: Int { gate.droppedFrames }
    public var isWaitingForKeyframe: Bool { gate.isWaiting }

    public init(maximumFrameBytes: Int = 4 << 20) {
        self.maximumFrameBytes = maximumFrameBytes
    }

    /// Takes the next packet in sequence order; `timestamp` is its extended RTP timestamp.
    public mutating func append(_ packet: RTPPacket, timestamp: Int64) -> [Output] {
        var out: [Output] = []
        if let current = self.timestamp, current != timestamp { finish(into: &out) }
        if self.timestamp == nil { self.timestamp = timestamp }
        if !broken { depacketize(packet.payload) }
        if packet.marker { finish(into: &out) }
        return out
    }

    /// Packets were lost before the next one: the access unit in progress is
    /// dropped and so is everything until the next IDR picture.
    public mutating func lost() -> [Output] {
        if timestamp != nil { broken = true }
        gate.lost()
        var out: [Output] = []
        finish(into: &out)
        gate.request(into: &out)
        return out
    }

    private mutating func depacketize(_ payload: [UInt8]) {
        guard let header = payload.first, header & 0x80 == 0 else { broken = true; return }  // F bit: a damaged unit
        switch header & 0x1F {
        case 1...23:
            guard fragment == nil else { broken = true; return }
            add(payload)
        case 24:  // STAP-A: [header][size][NAL]...
            guard fragment == nil else { broken = true; return }
            var index = 1
            while index < payload.count {
                guard index + 2 <= payload.count else { broken = true; return }
                let length = Int(payload[index]) << 8 | Int(payload[index + 1])
                index += 2
                guard length > 0, index + length <= payload.count else { broken = true; return }
                add(Array(payload[index..<index + length]))
                index += length
            }
        case 28:  // FU-A: [indicator][S E R type][fragment]
            guard payload.count > 2 else { broken = true; return }
            let fu = payload[1]
            let start = fu & 0x80 != 0
            let end = fu & 0x40 != 0
            if start {
                guard fragment == nil else { broken = true; return }
                fragment = [(header & 0xE0) | (fu & 0x1F)]
            }
            guard fragment != nil else { broken = true; return }  // a middle or end without its start
            guard size + (fragment?.count ?? 0) + payload.count - 2 <= maximumFrameBytes else { broken = true; return }
            fragment?.append(contentsOf: payload[2...])
            if end, let whole = fragment {
                fragment = nil
                add(whole)
            }
        default:
            broken = true
        }
    }

    private mutating func add(_ nal: [UInt8]) {
        guard !nal.isEmpty else { return }
        guard size + nal.count + 4 <= maximumFrameBytes else { broken = true; return }
        nalUnits.append(nal)
        size += nal.count + 4
    }

    private mutating func finish(into out: inout [Output]) {
        defer {
            nalUnits.removeAll(keepingCapacity: true)
            size = 0
            fragment = nil
            timestamp = nil
            broken = false
        }
        guard let timestamp else { return }
        // An FU-A never ended is a hole too.
        guard !broken, fragment == nil, !nalUnits.isEmpty else { return gate.broken(into: &out) }
        var idr = false
        for nal in nalUnits {
            switch nal[0] & 0x1F {
            case 5: idr = true
            case 7: sps = nal
            case 8: pps = nal
            default: break
            }
        }
        let keyframe = idr && sps != nil && pps != nil
        guard gate.admit(keyframe: keyframe, into: &out) else { return }
        // A keyframe carries its parameter sets, so the file opens from it
        // (TrackWriter reads them for the header) even when they came earlier.
        var units = nalUnits
        if keyframe, let sps, let pps {
            if !units.contains(where: { $0[0] & 0x1F == 8 }) { units.insert(pps, at: 0) }
            if !units.contains(where: { $0[0] & 0x1F == 7 }) { units.insert(sps, at: 0) }
        }
        var data: [UInt8] = []
        data.reserveCapacity(size + 8 + (sps?.count ?? 0) + (pps?.count ?? 0))
        for nal in units {
            data += [0, 0, 0, 1]
            data += nal
        }
        let videoSize = keyframe ? sps.flatMap(H264SequenceParameterSet.init(parsing:)).map(\.size) : nil
        out.append(.frame(MediaFrame(data: data, rtpTimestamp: timestamp, isKeyframe: keyframe, videoSize: videoSize)))
    }

    /// The Annex B SPS and PPS for the file's header (`avcC`), once both were seen.
    public var parameterSets: [UInt8]? {
        guard let sps, let pps else { return nil }
        return [0, 0, 0, 1] + sps + [0, 0, 0, 1] + pps
    }
}
