import Logging
import MeetProtocol
import MeetRTC

/// Every transport of the node, by id, and the one place a transport ends:
/// closing removes it, closes its connection, counts it
/// (`meet_sfu_transports_closed_total`), announces it as an
/// ``SFUTransportClosedEvent`` and tells the count observer. Closing a
/// publisher closes its per-publisher subscribers first (reason
/// `publisher_closed`) and takes its tracks off node connections.
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
    /// Called when a transport is added (the worker's timer resumes).
    var transportAdded: (() -> Void)?

    func add(_ publisher: PublisherTransport) {
        transportAdded?()
        publishers[publisher.id] = publisher
        newestPublisher[publisher.participantId] = publisher.id
        countObserver?(count)
    }

    func add(_ subscriber: SubscriberTransport) {
        transportAdded?()
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

    /// Subscriber transports that carry `publisher`, answered or not.
    func subscriberCount(of publisher: PublisherTransport) -> Int {
        subscribers.values.reduce(0) { $0 + ($1.carries(publisher) ? 1 : 0) }
    }

    // MARK: Closing

    /// Closes one transport (`sfu.close-transport`); a publisher takes its
    /// subscribers along. Returns how many closed.
    func close(transportId: String) throws(SFUControlError) -> Int {
        if let publisher = publishers[transportId] {
            let before = count
            closePublisher(publisher, reason: .closedByRequest)
            return before - count
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
        let before = count
        for publisher in publishers.values where publisher.participantId == participantId {
            closePublisher(publisher, reason: .participantClosed)
        }
        for subscriber in subscribers.values where subscriber.participantId == participantId {
            closeSubscriber(subscriber, reason: .participantClosed)
        }
        return before - count
    }

    /// Closes everything (shutdown): subscribers first, so theirs say
    /// `node_shutdown`, not `publisher_closed`.
    func closeAll() {
        for subscriber in subscribers.values { closeSubscriber(subscriber, reason: .nodeShutdown) }
        for publisher in publishers.values { closePublisher(publisher, reason: .nodeShutdown) }
    }

    func closePublisher(_ publisher: PublisherTransport, reason: TransportCloseReason) {
        guard publishers.removeValue(forKey: publisher.id) != nil else { return }
        // A per-publisher transport closes with it; a node connection only
        // loses its tracks (their m-lines go idle at its next re-offer).
        for subscriber in subscribers.values where subscriber.carries(publisher) {
            if subscriber.perNode {
                subscriber.drop(publisher)
            } else {
                closeSubscriber(subscriber, reason: .publisherClosed)
            }
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
        let carried = subscriber.publishers
        for publisher in carried { publisher.subscribers.removeValue(forKey: subscriber.id) }
        subscriber.detach()
        subscriber.close(reason: reason.rawValue)
        closeMetrics.closed(role: .subscriber, reason: reason)
        events(SFUTransportClosedEvent(
            nodeId: nodeId, transportId: subscriber.id, role: .subscriber, participantId: subscriber.participantId,
            publisherParticipantId: subscriber.perNode ? nil : subscriber.publisher?.participantId, reason: reason.rawValue))
        for publisher in carried { subscriberClosed(publisher) }
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
