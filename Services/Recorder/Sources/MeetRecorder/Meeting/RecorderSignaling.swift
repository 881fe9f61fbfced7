import Foundation
import HummingbirdWSClient
import Logging
import MeetProtocol
import NIOConcurrencyHelpers
import NIOWebSocket

/// The recorder's WebSocket to meet-ws (docs/signaling.md), as its hidden
/// seat: requests with an `id` wait (bounded) for their one reply;
/// everything else arrives on ``events`` in order, bounded (a recorder that
/// falls behind loses the newest events and logs it, never memory).
/// Frames this version cannot decode are skipped.
///
/// Sends are paced under meet-ws's per-socket rate (20 messages/s, bursts
/// of 40): a recorder subscribing to a whole room at once would otherwise be
/// answered `rate_limited`.
final class RecorderSignaling: Sendable {
    /// Why a request failed.
    enum Failure: Error, Sendable, Equatable {
        /// The upgrade was refused or not done in time.
        case connect(String)
        /// No reply within the timeout, or the socket closed first.
        case timeout(String)
        /// meet-ws answered `error`.
        case refused(SignalingErrorCode, String)
    }

    /// Room events in order; ends when the socket closed.
    let events: AsyncStream<ServerMessage>
    private let eventsContinuation: AsyncStream<ServerMessage>.Continuation
    private let outbound: AsyncStream<String>.Continuation
    private let replies = RecorderReplies()
    private let pacer = NIOLockedValueBox(Pacing())
    private let task: NIOLockedValueBox<Task<Void, Never>?> = NIOLockedValueBox(nil)

    /// Connects with `token` and returns once the upgrade succeeded.
    static func connect(url: String, token: String, timeout: Duration, logger: Logger) async throws(Failure) -> RecorderSignaling {
        let (opened, openedContinuation) = AsyncStream.makeStream(of: Bool.self)
        let signaling = RecorderSignaling()
        signaling.start(url: url + "?token=" + token, logger: logger, opened: openedContinuation)
        let timer = Task {
            try? await Task.sleep(for: timeout)
            openedContinuation.finish()
        }
        defer { timer.cancel() }
        for await _ in opened { return signaling }
        signaling.disconnect()
        throw .connect("upgrade refused, failed or not done within \(timeout): \(url)")
    }

    private init() {
        let (outStream, outContinuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingOldest(256))
        self.outbound = outContinuation
        (self.events, self.eventsContinuation) = AsyncStream.makeStream(of: ServerMessage.self, bufferingPolicy: .bufferingOldest(4096))
        self.pendingOutbound = outStream
    }

    private let pendingOutbound: AsyncStream<String>

    private func start(url: String, logger: Logger, opened: AsyncStream<Bool>.Continuation) {
        let replies = self.replies
        let events = self.eventsContinuation
        let outStream = self.pendingOutbound
        let task = Task {
            do {
                _ = try await WebSocketClient.connect(url: url, configuration: .init(maxFrameSize: 1 << 20), logger: logger) {
                    inbound, writer, _ in
                    opened.yield(true)
                    opened.finish()
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for await text in outStream { try await writer.write(.text(text)) }
                        }
                        for try await message in inbound.messages(maxSize: 1 << 20) {
                            guard case .text(let text) = message, let envelope = try? SignalingCodec.decodeServer(Data(text.utf8)) else {
                                continue
                            }
                            if let id = envelope.id, await replies.resolve(id: id, with: envelope) { continue }
                            if case .dropped = events.yield(envelope.message) {
                                logger.warning("recorder signaling: event queue full, an event was dropped")
                            }
                        }
                        group.cancelAll()
                    }
                }
            } catch {
                logger.info("recorder signaling closed", metadata: ["error": "\(error)"])
            }
            opened.finish()
            await replies.failAll()
            events.finish()
        }
        self.task.withLockedValue { $0 = task }
    }

    /// Sends `message` and waits for its reply (an `error` reply throws ``Failure/refused(_:_:)``).
    func request(_ message: ClientMessage, timeout: Duration) async throws(Failure) -> ServerMessage {
        let id = await self.replies.nextID()
        await self.pace()
        self.outbound.yield(SignalingCodec.encode(ClientEnvelope(id: id, message)))
        guard let reply = await self.replies.wait(id: id, timeout: timeout) else {
            throw .timeout("no reply to \(message.type) within \(timeout)")
        }
        if case .error(let error) = reply.message { throw .refused(error.code, "\(message.type): \(error.message)") }
        return reply.message
    }

    /// Closes from this side at once.
    func disconnect() {
        self.outbound.finish()
        self.task.withLockedValue { $0 }?.cancel()
    }

    private func pace() async {
        while true {
            let wait = self.pacer.withLockedValue { $0.take(now: .now) }
            guard let wait else { return }
            try? await Task.sleep(for: wait)
        }
    }

    /// A token bucket: 15 sends a second, bursts of 20 (under meet-ws's 20/40).
    struct Pacing {
        var tokens = 20.0
        var last = ContinuousClock.now

        /// Nil when a send may go now (one token taken), else how long to wait.
        mutating func take(now: ContinuousClock.Instant) -> Duration? {
            let elapsed = self.last.duration(to: now)
            self.last = now
            self.tokens = min(20, self.tokens + (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18) * 15)
            guard self.tokens < 1 else {
                self.tokens -= 1
                return nil
            }
            return .milliseconds(Int((1 - self.tokens) / 15 * 1000) + 1)
        }
    }
}

/// Requests waiting for their reply, each with its own deadline.
private actor RecorderReplies {
    private var counter = 0
    private var waiters: [String: CheckedContinuation<ServerEnvelope?, Never>] = [:]
    private var early: [String: ServerEnvelope] = [:]
    private var closed = false

    func nextID() -> String {
        self.counter += 1
        return "r\(self.counter)"
    }

    /// True when `id` was one of ours.
    func resolve(id: String, with envelope: ServerEnvelope) -> Bool {
        if let waiter = self.waiters.removeValue(forKey: id) {
            waiter.resume(returning: envelope)
            return true
        }
        guard id.hasPrefix("r"), let number = Int(id.dropFirst()), number <= self.counter else { return false }
        if self.early.count < 64 { self.early[id] = envelope }
        return true
    }

    func wait(id: String, timeout: Duration) async -> ServerEnvelope? {
        if let reply = self.early.removeValue(forKey: id) { return reply }
        if self.closed { return nil }
        let timer = Task {
            try? await Task.sleep(for: timeout)
            self.expire(id)
        }
        defer { timer.cancel() }
        return await withCheckedContinuation { self.waiters[id] = $0 }
    }

    private func expire(_ id: String) {
        self.waiters.removeValue(forKey: id)?.resume(returning: nil)
    }

    func failAll() {
        self.closed = true
        for waiter in self.waiters.values { waiter.resume(returning: nil) }
        self.waiters = [:]
    }
}
