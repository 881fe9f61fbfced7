import MeetBytes

/// In-place rewrites for the forwarding path (an SFU down-track changes SSRC,
/// sequence number, timestamp and payload type per subscriber). They touch only
/// the fixed header (RFC 3550 §5.1), so they never move bytes or allocate.
///
/// Each returns false, changing nothing, when `bytes` is shorter than the fixed header.
extension RTPHeader {
    @discardableResult
    public static func rewrite(
        _ bytes: UnsafeMutableRawBufferPointer,
        ssrc: UInt32? = nil, sequenceNumber: UInt16? = nil, timestamp: UInt32? = nil,
        payloadType: UInt8? = nil, marker: Bool? = nil
    ) -> Bool {
        guard bytes.count >= fixedHeaderLength else { return false }
        if let ssrc { bytes.setU32(ssrc, at: Offset.ssrc) }
        if let sequenceNumber { bytes.setU16(sequenceNumber, at: Offset.sequenceNumber) }
        if let timestamp { bytes.setU32(timestamp, at: Offset.timestamp) }
        if let payloadType { bytes[Offset.markerAndPayloadType] = bytes[Offset.markerAndPayloadType] & 0x80 | payloadType & 0x7F }
        if let marker { bytes[Offset.markerAndPayloadType] = bytes[Offset.markerAndPayloadType] & 0x7F | (marker ? 0x80 : 0) }
        return true
    }

    /// The same rewrite on an array (no reallocation unless the array is shared).
    @discardableResult
    public static func rewrite(
        _ bytes: inout [UInt8],
        ssrc: UInt32? = nil, sequenceNumber: UInt16? = nil, timestamp: UInt32? = nil,
        payloadType: UInt8? = nil, marker: Bool? = nil
    ) -> Bool {
        bytes.withUnsafeMutableBytes {
            rewrite($0, ssrc: ssrc, sequenceNumber: sequenceNumber, timestamp: timestamp, payloadType: payloadType, marker: marker)
        }
    }

    /// Overwrites the data of extension `id` with `value` of the same length.
    /// Returns false when the packet has no such extension or the length differs.
    @discardableResult
    public static func overwriteExtension(
        id: UInt8, with value: UnsafeRawBufferPointer, in bytes: UnsafeMutableRawBufferPointer
    ) -> Bool {
        guard let header = try? RTPHeader(parsing: UnsafeRawBufferPointer(bytes)),
              let range = try? header.extensionRange(id: id, in: UnsafeRawBufferPointer(bytes)),
              range.count == value.count
        else { return false }
        for (i, b) in value.enumerated() { bytes[range.lowerBound + i] = b }
        return true
    }
}
