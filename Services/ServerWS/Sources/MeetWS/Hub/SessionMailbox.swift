import Foundation
import MeetProtocol

/// What a session's loop processes, one at a time, in arrival order:
/// its client's frames and what the bus routes to it.
public enum SessionInput: Sendable {
    case frame([UInt8])
    case room(RoomBusMessage)
    case inbox(InboxBusMessage)
    /// An SFU node closed a transport of this participant.
    case sfu(SFUTransportClosedEvent)
    /// SFU nodes are draining or lost (the node watcher's round, or a
    /// node's draining event): move this participant's publication off them.
    case nodes(NodeNotice)
    /// The client closed the socket, or it broke.
    case socketClosed
    /// A message over the size limit arrived; the socket is unusable.
    case tooLarge
    /// This replica is shutting down.
    case shutdown
    /// Time to hand the client a fresh resume token (Session+Seat.swift).
    case renewCredentials
}

/// The hub's handle on one session: where to put its input.
public final class SessionMailbox: Sendable {
    public let connectionId: UUID
    public let identity: SessionIdentity
    private let continuation: AsyncStream<SessionInput>.Continuation

    public init(connectionId: UUID, identity: SessionIdentity, continuation: AsyncStream<SessionInput>.Continuation) {
        self.connectionId = connectionId
        self.identity = identity
        self.continuation = continuation
    }

    public func deliver(_ input: SessionInput) {
        self.continuation.yield(input)
    }
}
