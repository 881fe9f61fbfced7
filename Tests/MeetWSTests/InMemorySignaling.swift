import Foundation
import MeetProtocol
import NIOConcurrencyHelpers
@testable import MeetWS

/// What is in flight in an in-memory cluster: bus messages handed to a
/// subscriber and not yet fully handled by it, and detached work
/// (``detachedWork``) not yet finished. With each session's mailbox
/// (``SessionMailbox/activity``) it tells when everything queued has been
/// processed (``InMemoryReplicas/settle(timeout:)``).
final class SettleLedger: Sendable {
    private let state = NIOLockedValueBox<(inFlight: Int, moves: Int)>((0, 0))

    /// `count` messages were handed out.
    func sent(_ count: Int) {
        guard count > 0 else { return }
        self.state.withLockedValue { $0.inFlight += count; $0.moves += 1 }
    }

    /// `count` messages were handled (or dropped with their subscription).
    func done(_ count: Int = 1) {
        guard count > 0 else { return }
        self.state.withLockedValue { $0.inFlight -= count; $0.moves += 1 }
    }

    var snapshot: (inFlight: Int, moves: Int) { self.state.withLockedValue { $0 } }

    /// Detached work counted in flight from the moment it is started (before
    /// its task runs) until it returns.
    var detachedWork: DetachedWork {
        DetachedWork { work in
            self.sent(1)
            Task {
                await work()
                self.done()
            }
        }
    }
}

/// An in-memory ``SignalingBus`` shared by the replicas of a test cluster
/// (the adapter swapped, as the presence and participant stores are):
/// Redis pub/sub semantics, one hop from publisher to subscriber, and
/// every message counted in a ``SettleLedger`` until the subscriber asks
/// for the next one (the hub routes a message completely before it does).
final class InMemorySignalingBroker: Sendable {
    private enum Channel: Hashable {
        case room(UUID)
        case inbox(String)
    }

    private struct Subscriber {
        var channel: Channel
        var yield: @Sendable (Any) -> Void
        var finish: @Sendable () -> Void
        /// Handed over and not yet taken.
        var pending = 0
        /// Taken by the consumer, which has not asked for the next one yet.
        var holding = false
    }

    let ledger: SettleLedger
    private let state = NIOLockedValueBox<(subscribers: [UInt64: Subscriber], next: UInt64)>(([:], 0))

    init(ledger: SettleLedger) {
        self.ledger = ledger
    }

    /// The bus as replica `replicaId` sees it.
    func bus(replicaId: String) -> some SignalingBus {
        BrokerBus(broker: self, replicaId: replicaId)
    }

    fileprivate func publish(_ message: some Sendable, room meetingId: UUID) -> Int {
        self.publish(message, on: .room(meetingId))
    }

    fileprivate func publish(_ message: some Sendable, inbox replicaId: String) -> Int {
        self.publish(message, on: .inbox(replicaId))
    }

    private func publish(_ message: some Sendable, on channel: Channel) -> Int {
        // Under the lock, so concurrent publishers reach every subscriber in the same order.
        self.state.withLockedValue { state in
            let ids = state.subscribers.filter { $0.value.channel == channel }.map(\.key)
            for id in ids {
                state.subscribers[id]?.pending += 1
                state.subscribers[id]?.yield(message)
            }
            self.ledger.sent(ids.count)
            return ids.count
        }
    }

    fileprivate func subscribe<Element: Sendable>(room meetingId: UUID) -> SignalingSubscription<Element> {
        self.subscribe(on: .room(meetingId))
    }

    fileprivate func subscribe<Element: Sendable>(inbox replicaId: String) -> SignalingSubscription<Element> {
        self.subscribe(on: .inbox(replicaId))
    }

    private func subscribe<Element: Sendable>(on channel: Channel) -> SignalingSubscription<Element> {
        let (raw, continuation) = AsyncStream.makeStream(of: Element.self)
        let id = self.state.withLockedValue { state in
            state.next += 1
            state.subscribers[state.next] = Subscriber(
                channel: channel, yield: { if let element = $0 as? Element { continuation.yield(element) } },
                finish: { continuation.finish() })
            return state.next
        }
        let iterator = IteratorBox(raw.makeAsyncIterator())
        let messages = AsyncStream<Element> {
            // Asking for the next message: the previous one is handled.
            self.release(id, taken: false)
            guard let element = await iterator.next() else { return nil }
            self.release(id, taken: true)
            return element
        }
        return SignalingSubscription(messages: messages) { self.cancel(id) }
    }

    /// `taken`: a message was taken (pending → holding); otherwise the held one is done.
    private func release(_ id: UInt64, taken: Bool) {
        self.state.withLockedValue { state in
            guard var subscriber = state.subscribers[id] else { return }
            if taken {
                subscriber.pending -= 1
                subscriber.holding = true
            } else if subscriber.holding {
                subscriber.holding = false
                self.ledger.done()
            }
            state.subscribers[id] = subscriber
        }
    }

    /// What a cancelled subscription still held will never be handled.
    private func cancel(_ id: UInt64) {
        let subscriber = self.state.withLockedValue { $0.subscribers.removeValue(forKey: id) }
        guard let subscriber else { return }
        self.ledger.done(subscriber.pending + (subscriber.holding ? 1 : 0))
        subscriber.finish()
    }
}

/// One consumer's iterator, kept across the calls of an unfolding stream.
private final class IteratorBox<Element: Sendable>: @unchecked Sendable {
    private var iterator: AsyncStream<Element>.Iterator
    init(_ iterator: AsyncStream<Element>.Iterator) { self.iterator = iterator }
    func next() async -> Element? { await self.iterator.next() }
}

private struct BrokerBus: SignalingBus {
    let broker: InMemorySignalingBroker
    let replicaId: String

    func publish(_ message: RoomBusMessage) async throws {
        _ = self.broker.publish(message, room: message.meetingId)
    }

    func send(_ message: InboxBusMessage, toReplica replicaId: String) async throws -> Bool {
        self.broker.publish(message, inbox: replicaId) > 0
    }

    func subscribe(room meetingId: UUID) async throws -> SignalingSubscription<RoomBusMessage> {
        self.broker.subscribe(room: meetingId)
    }

    func subscribe(inbox replicaId: String) async throws -> SignalingSubscription<InboxBusMessage> {
        self.broker.subscribe(inbox: replicaId)
    }
}
