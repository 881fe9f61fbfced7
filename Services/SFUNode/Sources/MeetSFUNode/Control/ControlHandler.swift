import Logging
import MeetBus
import MeetProtocol

/// Answers the control requests arriving at the node's bus inbox
/// (`sfu:{nodeId}`): decodes the body by the envelope's `type`, runs it on
/// the node's ``NodeTransports`` and replies; every failure becomes a typed
/// ``BusErrorBody`` (see ``SFUControlErrorCode``).
struct ControlHandler: Sendable {
    let transports: any NodeTransports
    let logger: Logger

    func handle(_ message: BusMessage) async throws -> BusResponse {
        do {
            switch message.type {
            case SFUControlType.createPublisher:
                let request = try decode(message, as: CreatePublisherRequest.self)
                return BusResponse(try await transports.createPublisher(request))
            case SFUControlType.createSubscriber:
                let request = try decode(message, as: CreateSubscriberRequest.self)
                return BusResponse(try await transports.createSubscriber(request))
            case SFUControlType.subscriberAnswer:
                let request = try decode(message, as: SubscriberAnswerRequest.self)
                try await transports.acceptSubscriberAnswer(request)
                return BusResponse(SFUCloseReply(closed: 0))
            case SFUControlType.renegotiatePublisher:
                let request = try decode(message, as: RenegotiatePublisherRequest.self)
                return BusResponse(try await transports.renegotiatePublisher(request))
            case SFUControlType.renegotiateSubscriber:
                let request = try decode(message, as: RenegotiateSubscriberRequest.self)
                return BusResponse(try await transports.renegotiateSubscriber(request))
            case SFUControlType.setMute:
                let request = try decode(message, as: SetMuteRequest.self)
                return BusResponse(try await transports.setMute(request))
            case SFUControlType.closeTransport:
                let request = try decode(message, as: CloseTransportRequest.self)
                return BusResponse(SFUCloseReply(closed: try await transports.close(transportId: request.transportId)))
            case SFUControlType.retireTransport:
                let request = try decode(message, as: RetireTransportRequest.self)
                return BusResponse(SFUCloseReply(closed: try await transports.retire(transportId: request.transportId)))
            case SFUControlType.removeSubscription:
                let request = try decode(message, as: RemoveSubscriptionRequest.self)
                return BusResponse(try await transports.removeSubscription(request))
            case SFUControlType.setVideoSelection:
                let request = try decode(message, as: SetVideoSelectionRequest.self)
                return BusResponse(try await transports.setVideoSelection(request))
            case SFUControlType.closeParticipant:
                let request = try decode(message, as: CloseParticipantRequest.self)
                return BusResponse(SFUCloseReply(closed: try await transports.close(participantId: request.participantId)))
            default:
                throw SFUControlError.unsupportedType(message.type)
            }
        } catch let error as SFUControlError {
            logger.info("control request refused", metadata: ["type": "\(message.type)", "error": "\(error)"])
            throw error.bodyForBus
        }
    }

    private func decode<Body: Codable & Sendable>(_ message: BusMessage, as type: Body.Type) throws -> Body {
        do {
            return try message.decode(Body.self)
        } catch {
            throw SFUControlError.badRequest("\(message.type): malformed body (\(error))")
        }
    }
}
