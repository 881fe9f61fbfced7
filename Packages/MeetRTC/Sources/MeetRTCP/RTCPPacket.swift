/// One RTCP packet of any type, and compound packets (RFC 3550 §6.1): a datagram
/// holding several RTCP packets back to back.
public enum RTCPPacket: Hashable, Sendable {
    case senderReport(RTCPSenderReport)
    case receiverReport(RTCPReceiverReport)
    case sourceDescription(RTCPSourceDescription)
    case goodbye(RTCPGoodbye)
    case pictureLossIndication(RTCPPictureLossIndication)
    case fullIntraRequest(RTCPFullIntraRequest)
    case nack(RTCPGenericNACK)
    case receiverEstimatedMaxBitrate(RTCPReceiverEstimatedMaxBitrate)
    case transportWideFeedback(RTCPTransportWideFeedback)
    /// APP, XR, and any type or feedback format not decoded here, kept whole.
    case raw(RTCPRawPacket)

    /// Parses the single packet at the start of `bytes` (its length field says where it
    /// ends; `bytes` may continue with more packets).
    public init(parsing bytes: UnsafeRawBufferPointer) throws {
        let header = try RTCPHeader(parsing: bytes)
        guard header.packetLength <= bytes.count else {
            throw RTCPParseError.truncated(needed: header.packetLength, available: bytes.count)
        }
        let packet = UnsafeRawBufferPointer(rebasing: bytes[0..<header.packetLength])
        switch (header.packetType, header.count) {
        case (RTCPPacketType.senderReport, _): self = .senderReport(try RTCPSenderReport(parsing: packet))
        case (RTCPPacketType.receiverReport, _): self = .receiverReport(try RTCPReceiverReport(parsing: packet))
        case (RTCPPacketType.sourceDescription, _): self = .sourceDescription(try RTCPSourceDescription(parsing: packet))
        case (RTCPPacketType.goodbye, _): self = .goodbye(try RTCPGoodbye(parsing: packet))
        case (RTCPPacketType.payloadFeedback, RTCPPictureLossIndication.format):
            self = .pictureLossIndication(try RTCPPictureLossIndication(parsing: packet))
        case (RTCPPacketType.payloadFeedback, RTCPFullIntraRequest.format):
            self = .fullIntraRequest(try RTCPFullIntraRequest(parsing: packet))
        case (RTCPPacketType.payloadFeedback, RTCPReceiverEstimatedMaxBitrate.format)
            where RTCPReceiverEstimatedMaxBitrate.matches(packet):
            self = .receiverEstimatedMaxBitrate(try RTCPReceiverEstimatedMaxBitrate(parsing: packet))
        case (RTCPPacketType.transportFeedback, RTCPGenericNACK.format): self = .nack(try RTCPGenericNACK(parsing: packet))
        case (RTCPPacketType.transportFeedback, RTCPTransportWideFeedback.format):
            self = .transportWideFeedback(try RTCPTransportWideFeedback(parsing: packet))
        default: self = .raw(try RTCPRawPacket(parsing: packet))
        }
    }

    /// Appends this packet's bytes to `out`.
    public func write(into out: inout [UInt8]) throws {
        switch self {
        case .senderReport(let p): try p.write(into: &out)
        case .receiverReport(let p): try p.write(into: &out)
        case .sourceDescription(let p): try p.write(into: &out)
        case .goodbye(let p): try p.write(into: &out)
        case .pictureLossIndication(let p): p.write(into: &out)
        case .fullIntraRequest(let p): p.write(into: &out)
        case .nack(let p): p.write(into: &out)
        case .receiverEstimatedMaxBitrate(let p): try p.write(into: &out)
        case .transportWideFeedback(let p): try p.write(into: &out)
        case .raw(let p): p.write(into: &out)
        }
    }

    /// Parses a compound packet: every RTCP packet in the datagram, in order.
    /// Throws if any packet is malformed or the lengths do not add up exactly.
    public static func parseCompound(_ bytes: UnsafeRawBufferPointer) throws -> [RTCPPacket] {
        guard !bytes.isEmpty else { throw RTCPParseError.truncated(needed: RTCPHeader.size, available: 0) }
        var packets = [RTCPPacket]()
        var offset = 0
        while offset < bytes.count {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            let header = try RTCPHeader(parsing: rest)
            packets.append(try RTCPPacket(parsing: rest))
            offset += header.packetLength
        }
        return packets
    }

    public static func parseCompound(_ bytes: [UInt8]) throws -> [RTCPPacket] {
        try bytes.withUnsafeBytes { try parseCompound($0) }
    }

    /// Serializes packets back to back into one compound packet.
    public static func encodeCompound(_ packets: [RTCPPacket]) throws -> [UInt8] {
        var out = [UInt8]()
        for p in packets { try p.write(into: &out) }
        return out
    }

    /// The SSRC of the media source a feedback packet is about (PLI, FIR entries, NACK,
    /// TWCC, REMB's list), or the reported sources for SR/RR. For routing feedback.
    public var mediaSSRCs: [UInt32] {
        switch self {
        case .senderReport(let p): p.reports.map(\.ssrc)
        case .receiverReport(let p): p.reports.map(\.ssrc)
        case .pictureLossIndication(let p): [p.mediaSSRC]
        case .fullIntraRequest(let p): p.entries.map(\.ssrc)
        case .nack(let p): [p.mediaSSRC]
        case .transportWideFeedback(let p): [p.mediaSSRC]
        case .receiverEstimatedMaxBitrate(let p): p.ssrcs
        case .sourceDescription, .goodbye, .raw: []
        }
    }

    /// The second byte of an RTP/RTCP datagram decides which it is (RFC 5761 §4):
    /// 192–223 are RTCP packet types (SR 200 … PSFB 206 and the rest of the range).
    public static func isRTCP(secondByte: UInt8) -> Bool { (192...223).contains(secondByte) }
}
