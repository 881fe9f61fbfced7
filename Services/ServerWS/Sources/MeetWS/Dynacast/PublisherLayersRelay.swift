import Foundation
public import MeetProtocol

/// Dynacast (#16 item 5, docs/signaling.md "Dynacast"): a node's
/// `sfu.publisher-layers` (every replica hears it on ``SFUEventChannel/events``)
/// becomes the `publisher-layers` event of the publishing participant's
/// socket, on the replica that holds it; the others hold no session of the
/// participant and drop it. Nothing is kept: the node re-sends each state
/// every ``SFUPublisherLayersEvent/refreshMs``, which also covers a socket
/// resuming meanwhile, and the client checks the transport id against its
/// publisher connection (an event of an old one, mid-migration, is ignored).
public enum PublisherLayersRelay {
    /// The socket input for the participant's sessions (a `deliver` of the
    /// encoded frame, as an inbox message would carry it); nil when the
    /// participant id is not one meet-ws issued.
    public static func input(for event: SFUPublisherLayersEvent, replicaId: String, nowMs: Int64) -> InboxBusMessage? {
        guard let participantId = UUID(uuidString: event.participantId) else { return nil }
        return InboxBusMessage(
            participantId: participantId, origin: replicaId, sentAtMs: nowMs, action: .deliver,
            frame: SignalingCodec.encode(ServerEnvelope(.publisherLayers(event.layers))))
    }
}
