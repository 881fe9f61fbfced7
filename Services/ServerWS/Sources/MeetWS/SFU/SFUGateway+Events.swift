import Foundation
import MeetProtocol

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
}

extension SFUGateway {
    /// The nodes' events, from now on.
    public func events() async throws -> SignalingSubscription<SFUEvent> {
        let subscription = try await self.bus.subscribe(to: SFUEventChannel.events)
        let (stream, continuation) = AsyncStream.makeStream(of: SFUEvent.self)
        let logger = self.logger
        let pump = Task {
            for await message in subscription {
                do {
                    switch message.type {
                    case SFUTransportClosedEvent.type:
                        continuation.yield(.transportClosed(try message.decode(SFUTransportClosedEvent.self)))
                    case SFUNodeDrainingEvent.type:
                        continuation.yield(.nodeDraining(try message.decode(SFUNodeDrainingEvent.self)))
                    case SFUAudioLevelsEvent.type:
                        continuation.yield(.audioLevels(try message.decode(SFUAudioLevelsEvent.self)))
                    default:
                        continue
                    }
                } catch {
                    logger.warning("undecodable SFU event", metadata: ["type": "\(message.type)", "error": "\(error)"])
                }
            }
            continuation.finish()
        }
        return SignalingSubscription(messages: stream) {
            subscription.cancel()
            pump.cancel()
            continuation.finish()
        }
    }
}
