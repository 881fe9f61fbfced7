/// libFuzzer entry point for MeetRTCP (compiled into the MeetRTCP module by scripts/fuzz).
/// Parses the input as a compound packet; when it parses, asserts that encoding is
/// stable: encode → parse → encode gives the same bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func meetFuzzRTCP(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    guard let packets = try? RTCPPacket.parseCompound(bytes) else { return 0 }
    for p in packets {
        _ = p.mediaSSRCs
        if case .nack(let n) = p { _ = RTCPGenericNACK.pairs(for: n.sequenceNumbers) }
        if case .transportWideFeedback(let t) = p {
            let rebuilt = RTCPTransportWideFeedback(senderSSRC: 0, mediaSSRC: 0, feedbackPacketCount: 0,
                                                    baseSequenceNumber: t.baseSequenceNumber, arrivals: t.arrivals)
            guard (try? RTCPPacket.encodeCompound([.transportWideFeedback(rebuilt)])) != nil else {
                fatalError("feedback rebuilt from arrivals does not encode")
            }
        }
    }
    guard let first = try? RTCPPacket.encodeCompound(packets) else { return 0 }  // e.g. values a builder rejects
    guard let reparsed = try? RTCPPacket.parseCompound(first) else { fatalError("re-encoded RTCP does not parse") }
    guard let second = try? RTCPPacket.encodeCompound(reparsed), second == first else {
        fatalError("RTCP encoding is not stable")
    }
    return 0
}
