import MeetRTP

/// A down-track's RTX stream (RFC 4588 §5, session multiplexing): the SSRC
/// our offer paired with the track's in `a=ssrc-group:FID`, the RTX payload
/// type the subscriber accepted for the track's payload type (`apt`), and
/// the stream's own sequence numbers. Retransmissions (``Router/handleNACK(subscriber:mediaSSRC:pairs:into:flush:)``)
/// and padding probes go on it; without one, retransmissions repeat the
/// media packet as it was (same SSRC and sequence number).
public struct RTXStream: Sendable, Equatable {
    public let ssrc: UInt32
    public let payloadType: UInt8
    /// The next sequence number to send (starts random, RFC 3550 §5.1).
    public internal(set) var sequenceNumber: UInt16
    /// RTX packets sent (retransmissions and padding).
    public internal(set) var packetsSent = 0

    public init(ssrc: UInt32, payloadType: UInt8, sequenceNumber: UInt16 = .random(in: 0...UInt16.max)) {
        self.ssrc = ssrc
        self.payloadType = payloadType
        self.sequenceNumber = sequenceNumber
    }

    /// The next sequence number, advanced.
    public mutating func next() -> UInt16 {
        defer {
            sequenceNumber &+= 1
            packetsSent += 1
        }
        return sequenceNumber
    }
}

extension Router {
    /// Gives the down-track of `subscriber` on `publisherSSRC` its RTX
    /// stream (nil: retransmit plainly). A stream already set with the same
    /// SSRC and payload type keeps its numbering. False without such a down-track.
    @discardableResult
    public func setRTX(_ rtx: RTXStream?, publisherSSRC: UInt32, subscriber: Int) -> Bool {
        guard let position = table.positions[publisherSSRC],
              let index = table.tracks[position].downTrackIndex(subscriber: subscriber)
        else { return false }
        let current = table.tracks[position].downTracks[index].rtx
        if let current, let rtx, current.ssrc == rtx.ssrc, current.payloadType == rtx.payloadType { return true }
        table.tracks[position].downTracks[index].rtx = rtx
        return true
    }
}

extension Router {
    /// Whether `subscriber` has a down-track here with an RTX stream (padding can go on it).
    public func hasRTX(subscriber: Int) -> Bool {
        table.tracks.contains { track in
            track.downTrackIndex(subscriber: subscriber).map { track.downTracks[$0].rtx != nil } ?? false
        }
    }

    /// Writes padding-only packets (``RTXPacket/padding(into:size:ssrc:sequenceNumber:timestamp:payloadType:transportWideID:)``,
    /// RFC 3550 §5.1) of `size` bytes, `bytes` in all, for `subscriber`
    /// into `batch`, on the RTX stream of its first down-track here that
    /// has one (its sequence numbers; a receiver drops an RTX packet
    /// without an original sequence number, RFC 4588 §4, after its
    /// transport-wide feedback counted it), each with the element of
    /// `transportWideID` for the sender to stamp. Returns the bytes written
    /// (0 without an RTX stream). Bandwidth probes (``ProbeController``).
    @discardableResult
    public func writePadding(
        subscriber: Int, bytes: Int, size: Int, transportWideID: UInt8, into batch: PacketBatch,
        flush: (PacketBatch) -> Void
    ) -> Int {
        for position in table.tracks.indices {
            guard let index = table.tracks[position].downTrackIndex(subscriber: subscriber),
                  var rtx = table.tracks[position].downTracks[index].rtx
            else { continue }
            var written = 0
            while written + size <= bytes {
                if batch.isFull {
                    flush(batch)
                    batch.reset()
                }
                let slot = batch.slot(batch.count)
                guard let length = RTXPacket.padding(
                    into: UnsafeMutableRawBufferPointer(rebasing: slot[0..<batch.maximumPacketSize]), size: size,
                    ssrc: rtx.ssrc, sequenceNumber: rtx.sequenceNumber, timestamp: 0,
                    payloadType: rtx.payloadType, transportWideID: transportWideID),
                      batch.append(copying: UnsafeRawBufferPointer(rebasing: slot[0..<length]), destination: subscriber) != nil
                else { break }
                _ = rtx.next()
                written += length
            }
            table.tracks[position].downTracks[index].rtx = rtx
            counters.packetsOut += written / max(size, 1)
            counters.bytesOut += written
            return written
        }
        return 0
    }
}
