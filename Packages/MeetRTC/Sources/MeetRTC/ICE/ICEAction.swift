public import NIOCore

/// What the I/O layer must do after feeding an ICE agent an event.
public enum ICEAction: Sendable {
    /// Send this encoded STUN message (a response, a check) to `address`.
    case send(ByteBuffer, to: SocketAddress)
    /// The agent moved to a new connection state.
    case stateChanged(ICEConnectionState)
    /// Media, DTLS and consent now go to and come from this address (the
    /// nominated pair, or the client's new address after it moved).
    case selectedAddressChanged(SocketAddress)
    /// The message was ignored; count it.
    case dropped(ICEDropReason)
}
