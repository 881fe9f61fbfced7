import MeetRTP
import MeetSRTP
import Testing
@testable import MeetSFU

/// The whole per-packet path with real SRTP: publisher protects → node
/// unprotects in place → routes → munges → protects per subscriber in the
/// batch's trailer room (what the node's egress, MeetRTC's `PeerEgress`,
/// does with each subscriber's own context) → each subscriber unprotects
/// with its own keys and sees its SSRC.
@Suite struct ForwardingPathTests {
    let key = [UInt8](repeating: 7, count: 16)
    let salt = [UInt8](repeating: 9, count: 14)

    private func keys(_ subscriber: Int) -> [UInt8] { [UInt8](repeating: UInt8(subscriber), count: 16) }

    @Test func srtpInRouteMungeSRTPOut() throws {
        let clock = TestClock()
        let publisher = try SRTPContext(profile: .aes128CMHMACSHA1_80, masterKey: key, masterSalt: salt, direction: .outbound)
        let ingress = try SRTPContext(profile: .aes128CMHMACSHA1_80, masterKey: key, masterSalt: salt, direction: .inbound)
        let egress = try (0..<3).map { try SRTPContext(profile: .aes128CMHMACSHA1_80, masterKey: keys($0), masterSalt: salt, direction: .outbound) }
        let receivers = try (0..<3).map { try SRTPContext(profile: .aes128CMHMACSHA1_80, masterKey: keys($0), masterSalt: salt, direction: .inbound) }

        let router = Router()
        router.addTrack(TrackConfiguration(ssrc: 0xCAFE, codec: .opus))
        for subscriber in 0..<3 {
            _ = router.addDownTrack(publisherSSRC: 0xCAFE, subscriber: subscriber, ssrc: 0x100 + UInt32(subscriber), now: clock.now)
        }
        let batch = PacketBatch(capacity: 8, trailerRoom: SRTPContext.trailerRoom)
        let plain = rtp(seq: 42, ts: 4200, ssrc: 0xCAFE, payload: Array(0..<100))
        var datagram = plain + [UInt8](repeating: 0, count: SRTPContext.trailerRoom)
        let protectedLength = try datagram.withUnsafeMutableBytes { try publisher.protectRTP($0, length: plain.count) }
        #expect(protectedLength == plain.count + 10)

        let result = try datagram.withUnsafeMutableBytes { buffer in
            let length = try ingress.unprotectRTP(buffer, length: protectedLength)
            return router.routeRTP(UnsafeRawBufferPointer(rebasing: buffer[0..<length]), now: clock.now, into: batch, flush: { _ in })
        }
        #expect(result.forwarded == 3)
        for index in 0..<batch.count {
            let length = try egress[batch.destination(at: index)].protectRTP(batch.slot(index), length: batch.length(at: index))
            batch.setLength(length, at: index)
        }

        for index in 0..<batch.count {
            let subscriber = batch.destination(at: index)
            var received = Array(batch.packet(at: index))
            let length = try received.withUnsafeMutableBytes { try receivers[subscriber].unprotectRTP($0, length: $0.count) }
            let packet = try RTPPacket(parsing: Array(received[0..<length]))
            #expect(packet.ssrc == 0x100 + UInt32(subscriber))
            #expect(packet.sequenceNumber == 42)
            #expect(packet.timestamp == 4200)
            #expect(packet.payload == Array(0..<100))
        }
    }
}
