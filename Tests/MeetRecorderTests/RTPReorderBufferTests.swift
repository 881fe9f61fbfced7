import MeetRTP
import Testing

@testable import MeetRecorder

/// Reordering before depacketizing: order restored, holes declared lost by
/// window or delay, late and duplicate packets dropped, restarts followed.
@Suite struct RTPReorderBufferTests {
    static func packet(_ sequence: UInt16) -> RTPPacket {
        RTPPacket(payloadType: 96, sequenceNumber: sequence, timestamp: 0, ssrc: 1, payload: [1])
    }

    static func sequences(_ outputs: [RTPReorderBuffer.Output]) -> [String] {
        outputs.map {
            switch $0 {
            case .packet(let p): "\(p.sequenceNumber)"
            case .lost(let n): "lost \(n)"
            }
        }
    }

    @Test func outOfOrderPacketsComeOutInOrderAcrossTheWrap() {
        var buffer = RTPReorderBuffer(capacity: 8, maxDelayMicroseconds: 100_000)
        var out: [RTPReorderBuffer.Output] = []
        // The stream starts with a packet that overtook its predecessor: held, so 65534 still comes first.
        for sequence: UInt16 in [65_535, 65_534, 1, 0] { out += buffer.insert(Self.packet(sequence), now: 0) }
        #expect(out.isEmpty)
        out += buffer.advance(now: 100_000)
        // Once started, in-order packets go straight through, late ones wait for their turn.
        for sequence: UInt16 in [3, 2, 4] { out += buffer.insert(Self.packet(sequence), now: 100_000) }
        #expect(Self.sequences(out) == ["65534", "65535", "0", "1", "2", "3", "4"])
    }

    @Test func aHoleIsLostWhenTheWindowFillsBehindIt() {
        var buffer = RTPReorderBuffer(capacity: 3, maxDelayMicroseconds: 10_000_000)
        var out = buffer.insert(Self.packet(10), now: 0)
        for sequence: UInt16 in [13, 14, 15] { out += buffer.insert(Self.packet(sequence), now: 0) }
        #expect(Self.sequences(out) == ["10"])
        out = buffer.insert(Self.packet(16), now: 0)
        #expect(Self.sequences(out) == ["lost 2", "13", "14", "15", "16"])
    }

    @Test func aHoleIsLostWhenItsFollowerWaitedTheDelay() {
        var buffer = RTPReorderBuffer(capacity: 64, maxDelayMicroseconds: 100_000)
        _ = buffer.insert(Self.packet(1), now: 0)
        #expect(Self.sequences(buffer.advance(now: 100_000)) == ["1"])
        #expect(buffer.insert(Self.packet(3), now: 110_000).isEmpty)
        #expect(buffer.advance(now: 209_999).isEmpty)
        #expect(Self.sequences(buffer.advance(now: 210_000)) == ["lost 1", "3"])
        // The hole filled too late is dropped, not written out of order.
        #expect(buffer.insert(Self.packet(2), now: 220_000).isEmpty)
        #expect(buffer.latePackets == 1)
    }

    @Test func duplicatesAreDroppedAndCounted() {
        var buffer = RTPReorderBuffer(capacity: 8)
        _ = buffer.insert(Self.packet(1), now: 0)
        _ = buffer.insert(Self.packet(3), now: 0)
        #expect(buffer.insert(Self.packet(3), now: 0).isEmpty)
        #expect(buffer.insert(Self.packet(1), now: 0).isEmpty)
        #expect(buffer.duplicatePackets == 2)
        #expect(Self.sequences(buffer.flush()) == ["1", "lost 1", "3"])
        #expect(buffer.insert(Self.packet(1), now: 0).isEmpty)
        #expect(buffer.latePackets == 1)
    }

    @Test func aSenderThatRestartsItsNumberingIsFollowed() {
        var buffer = RTPReorderBuffer(capacity: 4)
        var out: [RTPReorderBuffer.Output] = []
        for sequence: UInt16 in 30_000...30_003 { out += buffer.insert(Self.packet(sequence), now: 0) }
        // Numbering starts over 20000 back: late at first, followed after `capacity` late packets in a row.
        for sequence: UInt16 in 10_000...10_006 { out += buffer.insert(Self.packet(sequence), now: 0) }
        #expect(Self.sequences(out).suffix(3) == ["10004", "10005", "10006"])
        #expect(buffer.latePackets == 5)
    }

    @Test func memoryIsBoundedByTheCapacity() {
        var buffer = RTPReorderBuffer(capacity: 16, maxDelayMicroseconds: .max)
        var out: [RTPReorderBuffer.Output] = []
        // Every other packet missing and no timeout: only the window releases them.
        for sequence in stride(from: 0, to: 2000, by: 2) {
            let released = buffer.insert(Self.packet(UInt16(sequence)), now: 0)
            out += released
        }
        let beforeFlush = out.filter { if case .packet = $0 { true } else { false } }.count
        #expect(beforeFlush >= 1000 - 16)
        out += buffer.flush()
        #expect(out.filter { if case .packet = $0 { true } else { false } }.count == 1000)
    }
}
