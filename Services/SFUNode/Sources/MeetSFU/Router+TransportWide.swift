public import MeetRTCP
import MeetRTP

/// Transport-wide congestion control feedback toward the publisher
/// (draft-holmer-rmcat-transport-wide-cc-extensions-01): the router notes
/// every packet's transport-wide sequence number as it routes it, and the
/// node's timer asks for feedback. Off until the publisher's answer
/// negotiated the extension.
extension Router {
    /// Starts logging arrivals of extension `id` (the `a=extmap` id of the
    /// transport-wide-cc URI in the publisher's answer; 1...14, one-byte form).
    public func enableTransportWideFeedback(extensionID id: UInt8, now: ContinuousClock.Instant) {
        guard (1...14).contains(id) else { return }
        if transportWideLog == nil { transportWideLog = TransportWideFeedbackLog(epoch: now) }
        transportWideExtensionID = id
    }

    public var isTransportWideFeedbackEnabled: Bool { transportWideExtensionID != 0 }

    /// Feedback covering the packets that arrived since the last call; nil when none did.
    public func makeTransportWideFeedback(senderSSRC: UInt32) -> RTCPTransportWideFeedback? {
        transportWideLog?.makeFeedback(senderSSRC: senderSSRC)
    }

    /// Per packet: reads the transport-wide sequence number (two bytes) if the packet carries one.
    @inline(__always)
    func logTransportWideArrival(_ packet: UnsafeRawBufferPointer, header: RTPHeader, now: ContinuousClock.Instant) {
        guard transportWideExtensionID != 0,
            let range = try? header.extensionRange(id: transportWideExtensionID, in: packet), range.count >= 2
        else { return }
        let sequence = UInt16(packet[range.lowerBound]) << 8 | UInt16(packet[range.lowerBound + 1])
        transportWideLog?.record(sequence, mediaSSRC: header.ssrc, at: now)
    }
}
