public import NIOCore

extension SRTPContext {
    /// Protects the RTP packet held in `buffer`'s readable bytes, in place.
    /// Reserves `trailerRoom` first (a no-op for a buffer allocated with
    /// room, the hot-path case).
    public func protectRTP(_ buffer: inout ByteBuffer) throws(SRTPError) {
        try transform(&buffer, reserve: true) { (bytes, length) throws(SRTPError) in
            try protectRTP(bytes, length: length)
        }
    }

    /// Unprotects the SRTP packet held in `buffer`'s readable bytes, in place.
    public func unprotectRTP(_ buffer: inout ByteBuffer) throws(SRTPError) {
        try transform(&buffer, reserve: false) { (bytes, length) throws(SRTPError) in
            try unprotectRTP(bytes, length: length)
        }
    }

    /// Protects the RTCP packet held in `buffer`'s readable bytes, in place.
    public func protectRTCP(_ buffer: inout ByteBuffer) throws(SRTPError) {
        try transform(&buffer, reserve: true) { (bytes, length) throws(SRTPError) in
            try protectRTCP(bytes, length: length)
        }
    }

    /// Unprotects the SRTCP packet held in `buffer`'s readable bytes, in place.
    public func unprotectRTCP(_ buffer: inout ByteBuffer) throws(SRTPError) {
        try transform(&buffer, reserve: false) { (bytes, length) throws(SRTPError) in
            try unprotectRTCP(bytes, length: length)
        }
    }

    private func transform(
        _ buffer: inout ByteBuffer,
        reserve: Bool,
        _ body: (UnsafeMutableRawBufferPointer, Int) throws(SRTPError) -> Int
    ) throws(SRTPError) {
        if reserve, buffer.writableBytes < Self.trailerRoom {
            buffer.reserveCapacity(minimumWritableBytes: Self.trailerRoom)
        }
        let start = buffer.readerIndex
        let length = buffer.readableBytes
        let newLength = try buffer.withVeryUnsafeMutableBytes { (storage) throws(SRTPError) -> Int in
            let packet = UnsafeMutableRawBufferPointer(rebasing: storage[start...])
            return try body(packet, length)
        }
        buffer.moveWriterIndex(to: start + newLength)
    }
}
