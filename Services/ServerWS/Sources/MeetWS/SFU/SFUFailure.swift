import MeetBus
public import MeetProtocol

/// Why a call to an SFU node (or placement) failed, and what the client is told.
public enum SFUFailure: Error, Sendable, Equatable {
    /// Placement found no node (or the hint named none).
    case placement(SFUPlacement.Failure)
    /// Nothing listens on the node's inbox: the node is gone.
    case noResponder(nodeId: String)
    /// The node did not answer within the timeout, the bus is down, or the
    /// registry could not be read.
    case unavailable(String)
    /// This replica's bus subscriptions are cut off (Redis away or just
    /// back and re-subscribing): no reply could arrive, so nothing was asked.
    /// The client gets `unavailable` like any request while Redis is away.
    case busUnavailable
    /// This replica already has `MEET_WS_SFU_MAX_IN_FLIGHT` requests to the
    /// nodes in flight: nothing was sent. A caller that must get its request
    /// through (a breakout removal) waits and tries again.
    case saturated
    /// The node answered with an error (`code` from ``SFUControlErrorCode``, or another string).
    case remote(code: String, message: String)

    /// The node's error code, when it is a known one.
    public var remoteCode: SFUControlErrorCode? {
        if case .remote(let code, _) = self { return SFUControlErrorCode(rawValue: code) }
        return nil
    }

    /// Maps a bus error of a request to `nodeId`.
    static func from(_ error: any Error, nodeId: String) -> SFUFailure {
        switch error as? BusError {
        case .remote(let body)?: .remote(code: body.code, message: body.message)
        case .noResponder?: .noResponder(nodeId: nodeId)
        case .timeout?: .unavailable("SFU node \(nodeId) did not answer in time")
        case .decoding(let detail)?: .unavailable("SFU node \(nodeId) sent an unreadable reply: \(detail)")
        case .shutdown?: .unavailable("this server is shutting down")
        case .unavailable?: .busUnavailable
        case nil: .unavailable("SFU node \(nodeId) could not be reached")
        }
    }

    /// The `error` frame for the client.
    public var signalingError: SignalingError {
        switch self {
        case .placement(.noServingNode):
            SignalingError(.sfuUnavailable, "no media server is available; retry shortly")
        case .placement(.hintNotServing(let node)):
            SignalingError(.badRequest, "nodeId \(node.prefix(100)) names no serving media server")
        case .noResponder:
            SignalingError(.sfuUnavailable, "the media server is gone; publish again")
        case .unavailable(let message):
            SignalingError(.sfuUnavailable, message)
        case .busUnavailable:
            SignalingError(.unavailable, "could not do that right now; retry")
        case .saturated:
            SignalingError(.sfuUnavailable, "too many media server requests in flight; retry")
        case .remote(let code, let message):
            switch SFUControlErrorCode(rawValue: code) {
            case .badSDP?: SignalingError(.badSDP, message)
            case .badRequest?: SignalingError(.badRequest, message)
            case .unknownTransport?, .unknownPublisher?: SignalingError(.notFound, message)
            case .draining?: SignalingError(.sfuUnavailable, "the media server is shutting down; retry")
            case .unsupportedType?, nil: SignalingError(.sfuUnavailable, "the media server refused: \(message)")
            }
        }
    }
}
