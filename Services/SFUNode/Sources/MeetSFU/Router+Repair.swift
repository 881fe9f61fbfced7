import MeetRTP

/// One of the publisher's RTX streams (RFC 4588 §5, session multiplexing):
/// the media stream it repeats and the two payload types (`apt`).
public struct RepairStream: Sendable, Equatable {
    /// The SSRC of the media stream (a simulcast layer's, or the one stream's).
    public let mediaSSRC: UInt32
    /// The RTX payload type on the wire.
    public let payloadType: UInt8
    /// The payload type it repairs (the RTX codec's `apt`).
    public let mediaPayloadType: UInt8

    public init(mediaSSRC: UInt32, payloadType: UInt8, mediaPayloadType: UInt8) {
        self.mediaSSRC = mediaSSRC
        self.payloadType = payloadType
        self.mediaPayloadType = mediaPayloadType
    }
}

/// What the publisher's RTX streams brought, cumulative: the node exports
/// them as `meet_sfu_upstream_rtx_packets_total` by `kind`.
public struct RepairCounters: Sendable, Equatable {
    /// Retransmissions routed as the media packet they repeat.
    public var repaired = 0
    /// Repeats of packets already received (a late retransmission, or
    /// libwebrtc's RTX payload padding: recent packets resent as a probe).
    public var duplicates = 0
    /// Padding-only packets (bandwidth probes): nothing to forward.
    public var padding = 0
    /// Dropped: the media stream is not routed (or now has another payload
    /// type than the one repaired), or the packet does not fit the scratch
    /// buffer.
    public var unrepairable = 0

    public init() {}
}

/// The publisher's RTX (RFC 4588): a retransmission the node asked for with
/// a NACK comes on the layer's RTX stream, not on the media stream. The
/// router rebuilds the original (the RTX header with the media SSRC, the
/// original sequence number, the media payload type and the payload after
/// the OSN; the RTX packet's own padding dropped) in a scratch buffer and
/// routes it like any packet of the media stream, so the NACK log sees the
/// loss repaired, the retransmission cache keeps it and down-tracks get it;
/// only the stream's reception statistics leave it out (as a browser's do:
/// the receiver reports keep the loss the publisher's link had). A repeat of
/// a packet already received (libwebrtc's RTX payload padding) is a duplicate.
/// The RTX packet itself was already logged for transport-wide feedback (its
/// transport-wide number is the one the sender's estimator waits for); the
/// original is not logged again. Padding-only RTX packets (probes) stop there.
extension Router {
    /// The scratch buffer's size: an RTX packet that repeats an original
    /// longer than this is dropped (counted `unrepairable`).
    static let repairScratchSize = 2048
    /// RTX streams a router keeps (as many as a publisher transport routes media SSRCs).
    static let maximumRepairStreams = 32

    /// Routes the RTX stream `ssrc` as repairs of `repair.mediaSSRC` (which
    /// may be routed later: until then its packets are dropped as
    /// `unrepairable`). Replaces an earlier entry for `ssrc`, and any other
    /// RTX stream of the same media stream (RFC 4588 §5: one per stream; a
    /// publisher that moves its RTX to a new SSRC does not fill the table).
    /// False when ``maximumRepairStreams`` other streams are kept, or `ssrc`
    /// is a media stream's.
    @discardableResult
    public func addRepairStream(ssrc: UInt32, _ repair: RepairStream) -> Bool {
        guard table.positions[ssrc] == nil else { return false }
        if let replaced = repairs.first(where: { $0.key != ssrc && $0.value.mediaSSRC == repair.mediaSSRC })?.key {
            repairs[replaced] = nil
        }
        guard repairs[ssrc] != nil || repairs.count < Self.maximumRepairStreams else { return false }
        repairs[ssrc] = repair
        return true
    }

    /// Stops routing every RTX stream of the media stream `mediaSSRC` (it
    /// left: ``removeTrack(ssrc:)``).
    func removeRepairStreams(of mediaSSRC: UInt32) {
        repairs = repairs.filter { $0.value.mediaSSRC != mediaSSRC }
    }

    /// The RTX stream `ssrc`, when routed.
    public func repairStream(ssrc: UInt32) -> RepairStream? { repairs[ssrc] }

    /// An RTX packet (`header` parsed from `packet`) of `repair`: its original,
    /// rebuilt, through ``forward(_:header:repaired:now:into:flush:)``. A
    /// payload type other than the stream's is `otherPayloadType`, as for a
    /// media stream: the caller pairs the stream again (a renegotiation may
    /// have renumbered its RTX).
    func routeRepair(
        _ packet: UnsafeRawBufferPointer, header: RTPHeader, repair: RepairStream, now: ContinuousClock.Instant,
        into batch: PacketBatch, flush: (PacketBatch) -> Void
    ) -> RouteResult {
        var result = RouteResult()
        result.publisherSSRC = header.ssrc
        guard header.payloadType == repair.payloadType else {
            result.drop = .otherPayloadType
            return result
        }
        guard let position = table.positions[repair.mediaSSRC],
              table.tracks[position].configuration.payloadType.map({ $0 == repair.mediaPayloadType }) ?? true
        else {
            repairCounters.unrepairable += 1
            result.drop = .unrepairable
            return result
        }
        guard let original = RTXPacket.original(of: header, in: packet) else {
            repairCounters.padding += 1
            result.drop = .repairPadding
            return result
        }
        let length = header.payloadOffset + original.payload.count
        guard length <= repairScratch.count, let source = packet.baseAddress else {
            repairCounters.unrepairable += 1
            result.drop = .unrepairable
            return result
        }
        return repairScratch.withUnsafeMutableBytes { scratch in
            guard let base = scratch.baseAddress else {
                repairCounters.unrepairable += 1
                result.drop = .unrepairable
                return result
            }
            base.copyMemory(from: source, byteCount: header.payloadOffset)
            (base + header.payloadOffset).copyMemory(from: source + original.payload.lowerBound, byteCount: original.payload.count)
            // The padding was the RTX packet's (RFC 4588 §4: the original's is not repeated).
            scratch[0] &= ~0x20
            let rebuilt = UnsafeMutableRawBufferPointer(rebasing: scratch[0..<length])
            RTPHeader.rewrite(
                rebuilt, ssrc: repair.mediaSSRC, sequenceNumber: original.sequenceNumber,
                payloadType: repair.mediaPayloadType)
            let bytes = UnsafeRawBufferPointer(rebuilt)
            guard let originalHeader = try? RTPHeader(parsing: bytes) else {
                repairCounters.unrepairable += 1
                result.drop = .unrepairable
                return result
            }
            let routed = forward(bytes, header: originalHeader, repaired: true, now: now, into: batch, flush: flush)
            if routed.drop == .duplicate {
                repairCounters.duplicates += 1
            } else {
                repairCounters.repaired += 1
            }
            return routed
        }
    }
}
