import Logging
import MeetProtocol
import MeetRTC

/// Every transport of the node, by id, and the one place a transport ends:
/// closing removes it, closes its connection, counts it
/// (`meet_sfu_transports_closed_total`), announces it as an
/// ``SFUTransportClosedEvent`` and tells the count observer. Closing a
/// publisher closes its subscribers first (reason `publisher_closed`).
///
/// Event loop only (the socket's, where every `PeerConnection` callback
/// runs); ``TransportManager`` hops there once per control request.
final class TransportRegistry {
    typealias EventSink = TransportManager.EventSink
    typealias CountObserver = TransportManager.CountObserver

    private(set) var publishers: [String: PublisherTransport] = [:]
    private(set) var subscribers: [String: SubscriberTransport] = [:]
    /// Participant id → its newest publisher transport (the one new subscribers get).
    private var newestPublisher: [String: String] = [:]
    private var countObserver: CountObserver?
    private let closeMetrics = TransportCloseMetrics()
    private let nodeId: String
    private let events: EventSink
    /// Called after a publisher closed (its bookkeeping elsewhere ends).
    var publisherClosed: (PublisherTransport) -> Void = { _ in }
    /// Called after a subscriber closed, with the publisher it followed.
    var subscriberClosed: (PublisherTransport) -> Void = { _ in }

    init(nodeId: String, events: @escaping EventSink) {
        self.nodeId = nodeId
        self.events = events
    }

    /// Publishers + subscribers.
    var count: Int { publishers.count + subscribers.count }

    /// Sets the observer told the count after every change; returns the count now.
    func observeCount(_ observer: @escaping CountObserver) -> Int {
        countObserver = observer
        return count
    }

    // MARK: Adding and finding

    /// Adds a publisher; it becomes its participant's newest (what subscribers get).
    func add(_ publisher: PublisherTransport) {
        publishers[publisher.id] = publisher
        newestPublisher[publisher.participantId] = publisher.id
        countObserver?(count)
    }

    func add(_ subscriber: SubscriberTransport) {
        subscribers[subscriber.id] = subscriber
        countObserver?(count)
    }

    /// The participant's newest publisher transport, if it is still here.
    func newestPublisher(of participantId: String) -> PublisherTransport? {
        newestPublisher[participantId].flatMap { publishers[$0] }
    }

    /// New subscribers stop finding `publisher` (it moved to another node).
    func hideFromNewSubscribers(_ publisher: PublisherTransport) {
        if newestPublisher[publisher.participantId] == publisher.id {
            newestPublisher.removeValue(forKey: publisher.participantId)
        }
    }

    /// Subscriber transports of `publisher`, answered or not.
    func subscriberCount(of publisher: PublisherTransport) -> Int {
        subscribers.values.reduce(0) { $0 + ($1.publisher === publisher ? 1 : 0) }
    }

    // MARK: Closing

    /// Closes one transport (`sfu.close-transport`); a publisher takes its
    /// subscribers along. Returns how many closed.
    func close(transportId: String) throws(SFUControlError) -> Int {
        if let publisher = publishers[transportId] {
            let count = 1 + subscriberCount(of: publisher)
            closePublisher(publisher, reason: .closedByRequest)
            return count
        }
        if let subscriber = subscribers[transportId] {
            closeSubscriber(subscriber, reason: .closedByRequest)
            return 1
        }
        throw .unknownTransport(transportId)
    }

    /// Closes every transport the participant holds, and the subscribers of
    /// its publishers (`sfu.close-participant`). Returns how many closed.
    func close(participantId: String) -> Int {
        var count = 0
        for publisher in publishers.values where publisher.participantId == participantId {
            count += 1 + subscriberCount(of: publisher)
            closePublisher(publisher, reason: .participantClosed)
        }
        for subscriber in subscribers.values where subscriber.participantId == participantId {
            count += 1
            closeSubscriber(subscriber, reason: .participantClosed)
        }
        return count
    }

    /// Closes everything (shutdown): subscribers first, so theirs say
    /// `node_shutdown`, not `publisher_closed`.
    func closeAll() {
        for subscriber in subscribers.values { closeSubscriber(subscriber, reason: .nodeShutdown) }
        for publisher in publishers.values { closePublisher(publisher, reason: .nodeShutdown) }
    }

    func closePublisher(_ publisher: PublisherTransport, reason: TransportCloseReason) {
        guard publishers.removeValue(forKey: publisher.id) != nil else { return }
        for subscriber in publisher.subscribers.values { closeSubscriber(subscriber, reason: .publisherClosed) }
        for subscriber in subscribers.values where subscriber.publisher === publisher {
            closeSubscriber(subscriber, reason: .publisherClosed)
        }
        hideFromNewSubscribers(publisher)
        publisherClosed(publisher)
        publisher.close(reason: reason.rawValue)
        closeMetrics.closed(role: .publisher, reason: reason)
        events(SFUTransportClosedEvent(
            nodeId: nodeId, transportId: publisher.id, role: .publisher, participantId: publisher.participantId,
            roomId: publisher.roomId, reason: reason.rawValue))
        countObserver?(count)
    }

    func closeSubscriber(_ subscriber: SubscriberTransport, reason: TransportCloseReason) {
        guard subscribers.removeValue(forKey: subscriber.id) != nil else { return }
        subscriber.publisher?.subscribers.removeValue(forKey: subscriber.id)
        subscriber.detach()
        subscriber.close(reason: reason.rawValue)
        closeMetrics.closed(role: .subscriber, reason: reason)
        events(SFUTransportClosedEvent(
            nodeId: nodeId, transportId: subscriber.id, role: .subscriber, participantId: subscriber.participantId,
            publisherParticipantId: subscriber.publisher?.participantId, reason: reason.rawValue))
        if let publisher = subscriber.publisher { subscriberClosed(publisher) }
        countObserver?(count)
    }

    /// A publisher's connection ended on its own (ICE, DTLS, close_notify).
    func publisherEnded(_ id: String, state: PeerConnectionState, logger: Logger) {
        guard let publisher = publishers[id] else { return }
        logger.info("publisher transport ended", metadata: ["transport": "\(id)", "state": "\(state)"])
        closePublisher(publisher, reason: TransportCloseReason(ended: state))
    }

    /// A subscriber's connection ended on its own.
    func subscriberEnded(_ id: String, state: PeerConnectionState, logger: Logger) {
        guard let subscriber = subscribers[id] else { return }
        logger.info("subscriber transport ended", metadata: ["transport": "\(id)", "state": "\(state)"])
        closeSubscriber(subscriber, reason: TransportCloseReason(ended: state))
    }
}
