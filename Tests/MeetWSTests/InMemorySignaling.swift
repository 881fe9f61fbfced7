import Foundation
import MeetBus
import MeetProtocol
import NIOConcurrencyHelpers
@testable import MeetWS

/// What is in flight in an in-memory cluster: bus messages handed to a
/// subscriber and not yet fully handled by it (``SettlingBusTransport``), and detached work
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

/// MeetBus's in-memory transport for the replicas and nodes of a test
/// cluster, with Redis pub/sub semantics (fan-out to the current
/// subscribers of the exact channel, in publish order, nothing kept), and
/// the room events and inbox instructions in flight counted in a
/// ``SettleLedger``:
/// - ``Counting/untilNextRead``: a message counts until its subscriber asks
///   for the next one (the hub's room pump routes a message completely
///   before it does);
/// - ``Counting/untilConsumed``: a message counts until the consumer says it
///   is done (an inbox instruction passes the bus endpoint's own loop
///   first, so the next read there proves nothing);
/// - ``Counting/none``: requests, replies and the nodes' events (counted by
///   their own consumers).
final class SettlingBusTransport: BusTransport {
    enum Counting: Sendable { case none, untilNextRead, untilConsumed }

    private struct Subscriber {
        var channel: String
        var continuation: AsyncStream<(BusTransportMessage, counted: Bool)>.Continuation
        /// Counted messages handed over and not yet taken.
        var pending = 0
        /// A counted message taken by the consumer, which has not asked for the next one yet.
        var holding = false
    }

    let ledger: SettleLedger
    private let counting: @Sendable (_ channel: String, _ payload: [UInt8]) -> Counting
    private let state = NIOLockedValueBox<(subscribers: [UInt64: Subscriber], next: UInt64)>(([:], 0))

    init(ledger: SettleLedger, counting: @escaping @Sendable (_ channel: String, _ payload: [UInt8]) -> Counting) {
        self.ledger = ledger
        self.counting = counting
    }

    func publish(_ payload: [UInt8], to channel: String) async throws -> Int {
        let counting = self.counting(channel, payload)
        // Under the lock, so concurrent publishers reach every subscriber in the same order.
        return self.state.withLockedValue { state in
            let ids = state.subscribers.filter { $0.value.channel == channel }.map(\.key)
            for id in ids {
                if counting == .untilNextRead { state.subscribers[id]?.pending += 1 }
                state.subscribers[id]?.continuation.yield(
                    (BusTransportMessage(channel: channel, payload: payload), counted: counting == .untilNextRead))
            }
            if counting != .none { self.ledger.sent(ids.count) }
            return ids.count
        }
    }

    func subscribe(to channel: String) async throws -> BusTransportSubscription {
        let (raw, continuation) = AsyncStream.makeStream(of: (BusTransportMessage, counted: Bool).self)
        let id = self.state.withLockedValue { state in
            state.next += 1
            state.subscribers[state.next] = Subscriber(channel: channel, continuation: continuation)
            return state.next
        }
        let iterator = IteratorBox(raw.makeAsyncIterator())
        let messages = AsyncStream<BusTransportMessage> {
            // Asking for the next message: the previous one is handled.
            self.release(id, taken: false)
            guard let next = await iterator.next() else { return nil }
            if next.counted { self.release(id, taken: true) }
            return next.0
        }
        return BusTransportSubscription(messages) { self.cancel(id) }
    }

    /// How many subscriptions `channel` has.
    func subscriberCount(_ channel: String) -> Int {
        self.state.withLockedValue { $0.subscribers.values.filter { $0.channel == channel }.count }
    }

    /// `taken`: a counted message was taken (pending → holding); otherwise the held one is done.
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
        subscriber.continuation.finish()
    }
}

/// One consumer's iterator, kept across the calls of an unfolding stream.
private final class IteratorBox<Element: Sendable>: @unchecked Sendable {
    private var iterator: AsyncStream<Element>.Iterator
    init(_ iterator: AsyncStream<Element>.Iterator) { self.iterator = iterator }
    func next() async -> Element? { await self.iterator.next() }
}
