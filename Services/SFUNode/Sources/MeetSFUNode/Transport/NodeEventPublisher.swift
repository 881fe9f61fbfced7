import Logging
import MeetBus
import MeetProtocol

/// Publishes the node's events of one kind on the bus channel
/// ``SFUEventChannel/events``, so every ServerWS replica hears them: the
/// ``SFUTransportClosedEvent``s (bus `event` `sfu.transport-closed`, so a
/// replica can tell the room) and the ``SFUAudioLevelsEvent``s
/// (`sfu.audio-levels`, for active speakers).
///
/// The transport manager reports from its event loop and must not wait on
/// Redis there: ``sink`` only enqueues; ``run()`` publishes in order until
/// ``finish()`` and the queue is drained (shutdown publishes the
/// "node shutting down" events before the bus goes away). Each kind has its
/// own bounded queue (the newest kept), so a burst of one cannot push out
/// the other.
final class NodeEventPublisher<Event: Codable & Sendable>: Sendable {
    private let bus: any MessageBus
    private let type: String
    private let logger: Logger
    private let stream: AsyncStream<Event>
    private let continuation: AsyncStream<Event>.Continuation

    /// - Parameter bufferLimit: events queued while the bus is slow; older ones are dropped past it.
    init(bus: any MessageBus, type: String, bufferLimit: Int, logger: Logger) {
        self.bus = bus
        self.type = type
        self.logger = logger
        (stream, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(bufferLimit))
    }

    /// For ``TransportManager``: enqueue, never block.
    var sink: @Sendable (Event) -> Void {
        { [continuation] event in continuation.yield(event) }
    }

    /// Publishes queued events until ``finish()``.
    func run() async {
        for await event in stream {
            do {
                try await bus.publish(type, event, to: SFUEventChannel.events)
            } catch {
                logger.warning("could not publish a node event", metadata: ["type": "\(type)", "error": "\(error)"])
            }
        }
    }

    /// No more events: `run()` returns once the queue is published.
    func finish() {
        continuation.finish()
    }
}

/// The transport-closed events: every one matters to a room, so up to 10 000 wait.
typealias TransportEventPublisher = NodeEventPublisher<SFUTransportClosedEvent>

extension NodeEventPublisher where Event == SFUTransportClosedEvent {
    convenience init(bus: any MessageBus, logger: Logger) {
        self.init(bus: bus, type: SFUTransportClosedEvent.type, bufferLimit: 10_000, logger: logger)
    }
}
