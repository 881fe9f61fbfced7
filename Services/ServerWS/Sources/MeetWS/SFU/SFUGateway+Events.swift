import Foundation
import Logging
import MeetBus
public import MeetProtocol

/// What the SFU nodes publish on ``SFUEventChannel/events``, told apart by
/// the bus envelope's type. Unknown types are skipped (newer nodes may say
/// more than this replica understands).
public enum SFUEvent: Sendable, Equatable {
    /// `sfu.transport-closed`: a transport ended on its node.
    case transportClosed(SFUTransportClosedEvent)
    /// `sfu.node-draining`: a node got SIGTERM; its clients should move.
    case nodeDraining(SFUNodeDrainingEvent)
    /// `sfu.audio-levels`: a room's speakers on a node changed.
    case audioLevels(SFUAudioLevelsEvent)
    /// `sfu.publisher-layers`: the simulcast layers a publisher should send (dynacast).
    case publisherLayers(SFUPublisherLayersEvent)
}

extension SFUGateway {
    /// The nodes' events, from now on, decoded as they are read (no pump of
    /// its own: whoever iterates is the one).
    public func events() async throws -> SignalingSubscription<SFUEvent> {
        let subscription = try await self.bus.subscribe(to: SFUEventChannel.events)
        let logger = self.logger
        return SignalingSubscription(messages: BusStream(subscription, cancel: { subscription.cancel() }) { message in
            do {
                switch message.type {
                case SFUTransportClosedEvent.type:
                    return .transportClosed(try message.decode(SFUTransportClosedEvent.self))
                case SFUNodeDrainingEvent.type:
                    return .nodeDraining(try message.decode(SFUNodeDrainingEvent.self))
                case SFUAudioLevelsEvent.type:
                    return .audioLevels(try message.decode(SFUAudioLevelsEvent.self))
                case SFUPublisherLayersEvent.type:
                    return .publisherLayers(try message.decode(SFUPublisherLayersEvent.self))
                default:
                    return nil
                }
            } catch {
                logger.warning("undecodable SFU event", metadata: ["type": "\(message.type)", "error": "\(error)"])
                return nil
            }
        })
    }
}
