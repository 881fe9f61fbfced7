import Foundation
public import Logging
import MeetProtocol
public import MeetRedis
import Metrics
import NIOConcurrencyHelpers
public import ServiceLifecycle

/// One process's place on the bus: its inbox, its outstanding requests, its
/// request handler. Implements ``MessageBus`` over any ``BusTransport``.
///
/// Run it as a `Service` after the Redis client and subscriber: ``run()``
/// subscribes to the inbox, then routes what arrives there (requests to the
/// handler, each in a child task; replies to the waiting request; events to
/// ``inboxEvents``) until graceful shutdown, letting running handlers finish.
public final class BusEndpoint: MessageBus, Service {
    public let inbox: String
    public let inboxEvents: AsyncStream<BusMessage>
    private let inboxEventsContinuation: AsyncStream<BusMessage>.Continuation
    private let transport: any BusTransport
    private let logger: Logger
    private let metrics: BusMetrics
    private let pending = NIOLockedValueBox(PendingRequests())
    private let handler = NIOLockedValueBox<BusRequestHandler?>(nil)
    private let inboxSubscription = NIOLockedValueBox<BusTransportSubscription?>(nil)
    private let ready = Gate()
    private let isShutdown = NIOLockedValueBox(false)
    /// Request handlers running now, bounded by `maxConcurrentRequests`.
    private let activeRequests = NIOLockedValueBox(0)
    /// `overloaded` answers being sent now, bounded by `maxConcurrentRequests`
    /// too: past it a request gets no answer (its sender times out), so a
    /// flood of requests cannot pile up tasks.
    private let activeRefusals = NIOLockedValueBox(0)
    private let maxConcurrentRequests: Int

    /// - Parameters:
    ///   - inboxBufferLimit: inbox events held for a slow consumer of
    ///     ``inboxEvents`` before the oldest are dropped (counted in
    ///     `meet_bus_inbox_dropped_total`).
    ///   - maxConcurrentRequests: request handlers run at once; a request
    ///     beyond it is answered at once with the error `overloaded`
    ///     (counted in `meet_bus_requests_rejected_total`) instead of
    ///     queueing without bound. As many refusals are sent at once; a
    ///     request beyond those gets no answer (its sender times out).
    public init(
        inbox: String, transport: any BusTransport, logger: Logger, inboxBufferLimit: Int = 65_536,
        maxConcurrentRequests: Int = 1024
    ) {
        self.inbox = inbox
        self.transport = transport
        var logger = logger
        logger[metadataKey: "inbox"] = "\(inbox)"
        self.logger = logger
        self.metrics = BusMetrics()
        self.maxConcurrentRequests = max(1, maxConcurrentRequests)
        (inboxEvents, inboxEventsContinuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(max(1, inboxBufferLimit)))
    }

    public func setRequestHandler(_ handler: @escaping BusRequestHandler) {
        self.handler.withLockedValue { $0 = handler }
    }

    public func run() async throws {
        guard let subscription = await subscribeInbox() else { return finish() }
        inboxSubscription.withLockedValue { $0 = subscription }
        if isShutdown.withLockedValue({ $0 }) { subscription.cancel() }
        ready.open()
        logger.debug("bus inbox subscribed")
        let losses = Task { await self.failPendingOnLoss() }
        defer { losses.cancel() }
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                for await message in subscription {
                    guard let message = BusMessage(channel: message.channel, raw: message.payload) else {
                        logger.warning("bus: dropping a message that is not an envelope")
                        continue
                    }
                    route(message, in: &group)
                }
            }
        } onGracefulShutdown: {
            subscription.cancel()
        }
        finish()
    }

    /// Waits until ``run()`` has subscribed the inbox (so replies and inbox
    /// events can arrive); throws ``BusError/timeout(type:inbox:)`` after
    /// `timeout` and ``BusError/shutdown`` once shut down.
    public func waitUntilReady(timeout: Duration = .seconds(10)) async throws {
        switch try await ready.wait(timeout: timeout) {
        case .open: return
        case .closed: throw BusError.shutdown
        case .timedOut: throw BusError.timeout(type: "subscribe", inbox: inbox)
        }
    }

    /// A reply published while the pub/sub connection is away never
    /// arrives: when it is lost, every request waiting for one fails at once
    /// with ``BusError/unavailable`` instead of at its timeout.
    private func failPendingOnLoss() async {
        for await event in transport.events() where event == .lost {
            let slots = pending.withLockedValue { $0.removeAll() }
            for slot in slots { slot.complete(.failure(BusError.unavailable)) }
            if !slots.isEmpty {
                logger.notice("bus: subscriptions lost; waiting requests failed", metadata: ["requests": "\(slots.count)"])
            }
        }
    }

    public func connectionEvents() -> AsyncStream<PubSubEvent> {
        transport.events()
    }

    /// Subscribes to the inbox, retrying while Redis is unreachable; nil on shutdown.
    private func subscribeInbox() async -> BusTransportSubscription? {
        var attempt = 0
        let backoff = ExponentialBackoff(initial: .milliseconds(100))
        while !Task.isCancelled && !Task.isShuttingDownGracefully && !isShutdown.withLockedValue({ $0 }) {
            do {
                return try await transport.subscribe(to: inbox)
            } catch {
                logger.warning("bus: inbox subscription failed; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: backoff.delay(attempt: attempt))
                attempt += 1
            }
        }
        return nil
    }

    /// Stops routing the inbox; outstanding requests fail with ``BusError/shutdown``.
    public func shutdown() {
        isShutdown.withLockedValue { $0 = true }
        inboxSubscription.withLockedValue { $0 }?.cancel()
        finish()
    }

    private func finish() {
        ready.close()
        inboxEventsContinuation.finish()
        for slot in pending.withLockedValue({ $0.removeAll() }) { slot.complete(.failure(BusError.shutdown)) }
    }

    private func route(_ message: BusMessage, in group: inout DiscardingTaskGroup) {
        switch message.header.kind {
        case .request:
            let admitted = Self.take(activeRequests, below: maxConcurrentRequests)
            guard admitted else {
                metrics.rejected.increment()
                guard Self.take(activeRefusals, below: maxConcurrentRequests) else { return }
                group.addTask {
                    await self.refuse(message)
                    self.activeRefusals.withLockedValue { $0 -= 1 }
                }
                return
            }
            group.addTask {
                await self.answer(message)
                self.activeRequests.withLockedValue { $0 -= 1 }
            }
        case .reply, .error:
            guard let id = message.header.id, let slot = pending.withLockedValue({ $0.remove(id) }) else {
                logger.debug("bus: reply for no outstanding request", metadata: ["type": "\(message.type)"])
                return
            }
            slot.complete(.success(message.raw))
        case .event:
            if case .dropped = inboxEventsContinuation.yield(message) { metrics.inboxDropped.increment() }
        }
    }

    /// Counts one more in `counter` unless it already holds `limit`.
    private static func take(_ counter: NIOLockedValueBox<Int>, below limit: Int) -> Bool {
        counter.withLockedValue { active in
            guard active < limit else { return false }
            active += 1
            return true
        }
    }

    // MARK: Publishing

    @discardableResult
    public func publish<Body: Codable & Sendable>(_ type: String, _ body: Body, to channel: String) async throws -> Int {
        let envelope = BusEnvelope(kind: .event, type: type, from: inbox, body: body)
        return try await send(Array(JSONEncoder().encode(envelope)), to: channel)
    }

    public func subscribe(to channel: String) async throws -> BusSubscription {
        let subscription = try await transport.subscribe(to: channel)
        return BusSubscription(subscription, cancel: { subscription.cancel() }) { BusMessage(channel: $0.channel, raw: $0.payload) }
    }

    private func send(_ bytes: [UInt8], to channel: String) async throws -> Int {
        let receivers = try await transport.publish(bytes, to: channel)
        metrics.published.increment()
        return receivers
    }

    // MARK: Request/reply

    public func request<Body: Codable & Sendable, Reply: Codable & Sendable>(
        _ type: String, _ body: Body, to inbox: String, timeout: Duration, as replyType: Reply.Type
    ) async throws -> Reply {
        let start = ContinuousClock.now
        let id = UUID().uuidString
        let envelope = BusEnvelope(kind: .request, type: type, id: id, replyTo: self.inbox, from: self.inbox, body: body)
        let bytes = Array(try JSONEncoder().encode(envelope))
        switch try await ready.wait(timeout: timeout) {
        case .open: break
        case .closed: throw BusError.shutdown
        case .timedOut: throw BusError.timeout(type: type, inbox: inbox)
        }
        let remaining = timeout - start.duration(to: .now)
        // The reply would be published to an inbox nobody hears: fail now.
        guard transport.isLive else {
            metrics.unavailable.increment()
            throw BusError.unavailable
        }

        let slot = pending.withLockedValue { $0.register(id) }
        defer { _ = pending.withLockedValue { $0.remove(id) } }
        let receivers = try await send(bytes, to: inbox)
        guard receivers > 0 else {
            metrics.noResponder.increment()
            throw BusError.noResponder(inbox: inbox)
        }
        let raw: [UInt8]
        do {
            raw = try await slot.value(timeout: remaining, onTimeout: .timeout(type: type, inbox: inbox))
        } catch let error as BusError {
            if case .timeout = error {
                metrics.timeouts.increment()
                logger.warning("bus request timed out", metadata: ["type": "\(type)", "to": "\(inbox)"])
            }
            throw error
        }
        metrics.requestDuration.record(duration: start.duration(to: .now))
        guard let reply = BusMessage(channel: self.inbox, raw: raw) else { throw BusError.decoding("reply envelope") }
        if reply.header.kind == .error { throw BusError.remote(try reply.decode(BusErrorBody.self)) }
        return try reply.decode(Reply.self)
    }

    /// Answers a request over the concurrency bound with `overloaded`,
    /// without running the handler.
    private func refuse(_ request: BusMessage) async {
        guard let id = request.header.id, let replyTo = request.header.replyTo else { return }
        let header = BusEnvelopeHeader(kind: .error, type: request.type, id: id, from: inbox)
        let body = BusErrorBody(code: "overloaded", message: "\(inbox) is answering too many requests; retry")
        guard let bytes = try? BusResponse(body).encode(header) else { return }
        _ = try? await send(bytes, to: replyTo)
    }

    /// Runs the handler for one request and publishes its reply (or error).
    private func answer(_ request: BusMessage) async {
        guard let id = request.header.id, let replyTo = request.header.replyTo else {
            logger.warning("bus: request without id or replyTo", metadata: ["type": "\(request.type)"])
            return
        }
        var header = BusEnvelopeHeader(kind: .reply, type: request.type, id: id, from: inbox)
        let bytes: [UInt8]
        do {
            guard let handler = handler.withLockedValue({ $0 }) else {
                throw BusErrorBody(code: "no_handler", message: "\(inbox) does not answer requests")
            }
            bytes = try await handler(request).encode(header)
        } catch {
            let body = (error as? BusErrorBody) ?? BusErrorBody(code: "internal", message: "\(error)")
            if body.code == "internal" {
                logger.error("bus request handler failed", metadata: ["type": "\(request.type)", "error": "\(error)"])
            }
            header.kind = .error
            guard let encoded = try? BusResponse(body).encode(header) else { return }
            bytes = encoded
        }
        metrics.handled.increment()
        await sendReply(bytes, to: replyTo)
    }

    /// Publishes a reply, retrying for up to ``replyRetryWindow`` while Redis
    /// is unavailable: after a Redis restart this process's subscriptions
    /// may be back (the request arrived) before its command connection is
    /// (the reply cannot go out yet), and a reply given up on leaves the
    /// requester waiting out its whole timeout.
    private func sendReply(_ bytes: [UInt8], to replyTo: String) async {
        let start = ContinuousClock.now
        while true {
            do {
                _ = try await send(bytes, to: replyTo)
                return
            } catch RedisClientError.unavailable where start.duration(to: .now) < Self.replyRetryWindow {
                try? await Task.sleep(for: .milliseconds(50))
            } catch {
                logger.warning("bus: could not send reply", metadata: ["to": "\(replyTo)", "error": "\(error)"])
                return
            }
        }
    }

    /// How long a reply is retried while Redis is unavailable.
    static let replyRetryWindow: Duration = .seconds(1)
}
