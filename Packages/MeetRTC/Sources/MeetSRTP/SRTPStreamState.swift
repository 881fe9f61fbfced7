/// What one SSRC's stream remembers (RFC 3711 §3.2.3): the SRTP packet
/// index and replay window, and the SRTCP index and its window. Made on the
/// stream's first packet (inbound: only once that packet authenticates).
final class SRTPStreamState {
    let rtp: SRTPReplayWindow
    var rtcp = SRTCPReplayWindow()

    init(windowSize: Int) {
        rtp = SRTPReplayWindow(size: windowSize)
    }
}

/// The per-SSRC streams of one context: a dictionary plus a one-entry cache
/// for the common case of consecutive packets of the same stream.
struct SRTPStreamTable {
    private var streams: [UInt32: SRTPStreamState] = [:]
    private var lastSSRC: UInt32 = 0
    private var last: SRTPStreamState?
    let windowSize: Int

    init(windowSize: Int) {
        self.windowSize = windowSize
    }

    var count: Int { streams.count }

    mutating func find(_ ssrc: UInt32) -> SRTPStreamState? {
        if let last, lastSSRC == ssrc { return last }
        guard let stream = streams[ssrc] else { return nil }
        lastSSRC = ssrc
        last = stream
        return stream
    }

    /// Adds `stream` for `ssrc` (the first-use allocation).
    mutating func insert(_ stream: SRTPStreamState, for ssrc: UInt32) {
        streams[ssrc] = stream
        lastSSRC = ssrc
        last = stream
    }
}
