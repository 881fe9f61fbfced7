import MeetRTP
import Testing
@testable import MeetSFU

/// A hand-driven clock: tests advance time explicitly.
struct TestClock {
    let origin = ContinuousClock.now
    var offset: Duration = .zero
    var now: ContinuousClock.Instant { origin + offset }
    mutating func advance(_ duration: Duration) { offset += duration }
}

/// An encoded RTP packet.
func rtp(seq: UInt16, ts: UInt32, ssrc: UInt32 = 0x1111, pt: UInt8 = 96, payload: [UInt8] = [1, 2, 3, 4]) -> [UInt8] {
    (try? RTPPacket(payloadType: pt, sequenceNumber: seq, timestamp: ts, ssrc: ssrc, payload: payload).encode()) ?? []
}

/// A VP8 payload: descriptor S=1 PID=0, then the payload header's P bit
/// (clear for a keyframe, RFC 6386 §9.1).
func vp8Payload(keyframe: Bool, start: Bool = true) -> [UInt8] {
    [start ? 0x10 : 0x00, keyframe ? 0x00 : 0x01, 0x00, 0x00, 0xAA]
}

/// The parsed headers of every packet in a batch.
func headers(in batch: PacketBatch) -> [(destination: Int, header: RTPHeader)] {
    (0..<batch.count).compactMap { index in
        guard let header = try? RTPHeader(parsing: UnsafeRawBufferPointer(batch.packet(at: index))) else { return nil }
        return (batch.destination(at: index), header)
    }
}

extension Router {
    /// A simulcast group `group` and its layers, lowest first (tests only).
    func addSimulcastGroup(_ group: UInt32, layers: [UInt32], codec: TrackConfiguration.Codec = .vp8) {
        addTrack(TrackConfiguration(ssrc: group, codec: codec, simulcast: .group))
        for (index, ssrc) in layers.enumerated() {
            addTrack(TrackConfiguration(ssrc: ssrc, codec: codec, simulcast: .layer(group: group, index: index)))
        }
    }

    /// A router holding the simulcast `group` of `layers` and one viewer
    /// (subscriber 1, SSRC 500) whose tile is 180 px: it takes layer 0.
    static func simulcastWithOneViewer(group: UInt32, layers: [UInt32], now: ContinuousClock.Instant) -> Router {
        let router = Router(maximumSubscribersPerTrack: 8)
        router.addSimulcastGroup(group, layers: layers)
        _ = router.addDownTrack(publisherSSRC: group, subscriber: 1, ssrc: 500, now: now)
        router.setLayerConstraints(.init(maxHeight: 180), publisherSSRC: group, subscriber: 1, now: now)
        return router
    }

    /// Routes an array-held packet into a fresh batch (tests only).
    func route(_ packet: [UInt8], now: ContinuousClock.Instant, batch: PacketBatch) -> RouteResult {
        packet.withUnsafeBytes { routeRTP($0, now: now, into: batch, flush: { _ in Issue.record("unexpected flush") }) }
    }
}


/// `#expect` cannot evaluate mutating calls; these take the value first.
func expectEqual<T: Equatable>(_ actual: T, _ expected: T, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual == expected, sourceLocation: sourceLocation)
}

func expectTrue(_ condition: Bool, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(condition, sourceLocation: sourceLocation)
}
