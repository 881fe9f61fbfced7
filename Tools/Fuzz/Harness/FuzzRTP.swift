/// libFuzzer entry point for MeetRTP (compiled into the MeetRTP module by scripts/fuzz).
/// Exercises the zero-copy header, extension scanning, in-place rewrite, the owned
/// packet's round trip, and the VP8/H.264 keyframe detectors.
@_cdecl("LLVMFuzzerTestOneInput")
public func meetFuzzRTP(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    _ = VP8PayloadDescriptor.isKeyframe(payload: bytes)
    _ = H264Keyframe.isKeyframe(payload: bytes)
    guard let header = try? RTPHeader(parsing: bytes) else { return 0 }
    bytes.withUnsafeBytes { raw in
        for id in UInt8(0)...15 { _ = try? header.extensionRange(id: id, in: raw) }
        _ = (0..<header.csrcCount).map { header.csrc(at: $0, in: raw) }
        let payload = UnsafeRawBufferPointer(rebasing: raw[header.payloadRange])
        _ = VP8PayloadDescriptor.isKeyframe(payload: payload)
        _ = H264Keyframe.isKeyframe(payload: payload)
    }
    guard let packet = try? RTPPacket(parsing: bytes) else { fatalError("header parsed but packet did not") }
    if let elements = try? packet.extensions() {
        var copy = packet
        if (try? copy.setExtensions(elements)) != nil, let again = try? RTPPacket(parsing: try copy.encode()) {
            guard (try? again.extensions()) == elements else { fatalError("extension re-encoding changed elements") }
        }
    }
    guard let encoded = try? packet.encode(), let again = try? RTPPacket(parsing: encoded), again == packet else {
        fatalError("RTP round trip changed the packet")
    }
    RTPHeader.rewrite(&bytes, ssrc: 1, sequenceNumber: 2, timestamp: 3, payloadType: 4, marker: true)
    guard let rewritten = try? RTPHeader(parsing: bytes), rewritten.ssrc == 1, rewritten.payloadType == 4,
          rewritten.payloadRange == header.payloadRange
    else { fatalError("in-place rewrite broke the header") }
    return 0
}
