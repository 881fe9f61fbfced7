import MeetRTC
import MeetRTCP
import NIOCore

extension PeerConnection {
    /// Sends `packets` as one compound RTCP packet (RFC 3550 §6.1); packets
    /// that do not encode are not sent. Event loop only, like every send.
    func sendRTCP(_ packets: [RTCPPacket]) {
        guard let bytes = try? RTCPPacket.encodeCompound(packets) else { return }
        var buffer = ByteBufferAllocator().buffer(capacity: bytes.count + 64)
        buffer.writeBytes(bytes)
        self.sendRTCP(buffer)
    }
}
