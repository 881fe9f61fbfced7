import Logging
import MeetProtocol
import MeetRedis

/// Publishes the node's ``SFUTransportClosedEvent``s on the bus channel
/// ``SFUEventChannel/events`` (bus `event` `sfu.transport-closed`), so every
/// ServerWS replica can tell the room.
///
/// The transport manager reports from its event loop and must not wait on
/// Redis there: ``sink`` only enqueues; ``run()`` publishes in order until
/// ``finish()`` and the queue is drained (shutdown publishes the
/// "node shutting down" events before the bus goes away).
final class TransportEventPublisher: Sendable {
    private let bus: any MessageBus
    private let logger: Logger
    private let stream: AsyncStream<SFUTransportClosedEvent>
    private let continuation: AsyncStream<SFUTransportClosedEvent>.Continuation

    init(bus: any MessageBus, logger: Logger) {
        self.bus = bus
        self.logger = logger
        (stream, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(10_000))
    }

    /// For ``TransportManager``: enqueue, never block.
    var sink: TransportManager.EventSink {
        { [continuation] event in continuation.yield(event) }
    }

    /// Publishes queued events until ``finish()``.
    func run() async {
        for await event in stream {
            do {
                try await bus.publish(SFUTransportClosedEvent.type, event, to: SFUEventChannel.events)
            } catch {
                logger.warning("could not publish transport-closed", metadata: [
                    "transport": "\(event.transportId)", "error": "\(error)",
                ])
            }
        }
    }

    /// No more events: `run()` returns once the queue is published.
    func finish() {
        continuation.finish()
    }
}
