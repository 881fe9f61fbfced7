public import MeetRTCP
import MeetRTP

/// Transport-wide congestion control feedback toward the publisher
/// (draft-holmer-rmcat-transport-wide-cc-extensions-01): the router notes
/// every packet's transport-wide sequence number here as it routes it, and
/// the node's timer asks for feedback (through ``Router``). Off until the
/// publisher's answer negotiated the extension.
struct TransportWideArrivals {
    /// The extension's id; 0 = off.
    private(set) var extensionID: UInt8 = 0
    private var log: TransportWideFeedbackLog?

    /// Starts logging arrivals of extension `id` (the `a=extmap` id of the
    /// transport-wide-cc URI in the publisher's answer; 1...14, one-byte form).
    mutating func enable(extensionID id: UInt8, now: ContinuousClock.Instant) {
        guard (1...14).contains(id) else { return }
        if log == nil { log = TransportWideFeedbackLog(epoch: now) }
        extensionID = id
    }

    var isEnabled: Bool { extensionID != 0 }

    /// Feedback covering the packets that arrived since the last call; nil when none did.
    mutating func makeFeedback(senderSSRC: UInt32) -> RTCPTransportWideFeedback? {
        log?.makeFeedback(senderSSRC: senderSSRC)
    }

    /// Per packet: reads the transport-wide sequence number (two bytes) if the packet carries one.
    @inline(__always)
    mutating func record(_ packet: UnsafeRawBufferPointer, header: RTPHeader, now: ContinuousClock.Instant) {
        guard extensionID != 0,
            let range = try? header.extensionRange(id: extensionID, in: packet), range.count >= 2
        else { return }
        let sequence = UInt16(packet[range.lowerBound]) << 8 | UInt16(packet[range.lowerBound + 1])
        log?.record(sequence, mediaSSRC: header.ssrc, at: now)
    }
}
