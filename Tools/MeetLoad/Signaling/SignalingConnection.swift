import Foundation
import HummingbirdWSClient
import Logging
import MeetProtocol
import NIOConcurrencyHelpers
import NIOCore
import NIOWebSocket

/// One participant's WebSocket to meet-ws (docs/signaling.md): requests
/// with an `id` wait for their one reply (bounded by a timeout); everything
/// else arrives on ``events`` in order. Sends are paced under the server's
/// per-socket rate limit (20 messages/s, bursts of 40) so a participant that
/// subscribes to many publishers is not answered `rate_limited`.
///
/// Frames of a type this client does not know (a newer server's event such
/// as `active-speakers`) are not errors: they arrive as ``Event/other``.
final class SignalingConnection: Sendable {
    enum Event: Sendable {
        case message(ServerEnvelope)
        /// A frame this version cannot decode: its `type` and raw JSON.
        case other(type: String, json: String)
    }

    /// The events in order; the stream ends when the socket closed (then
    /// ``closeCode`` says how). The end is not an element, so a reader that
    /// fell behind by the whole buffer still sees it.
    let events: AsyncStream<Event>
    /// The close code the server sent, once the socket closed (nil inside:
    /// closed without one).
    var closeCode: UInt16?? { closeCodeBox.withLockedValue { $0 } }
    private let closeCodeBox = NIOLockedValueBox<UInt16??>(nil)
    private let eventsContinuation: AsyncStream<Event>.Continuation
    private let outbound: AsyncStream<String>.Continuation
    private let replies: PendingReplies
    private let pacer: Pacer
    private let task: Task<Void, Never>

    /// Connects and returns once the upgrade succeeded; throws `ws_connect_failed`
    /// or `timeout_ws_connect`.
    static func connect(url: String, token: String, timeout: Duration, logger: Logger) async throws(LoadError) -> SignalingConnection {
        let (opened, openedContinuation) = AsyncStream.makeStream(of: Bool.self)
        let connection = SignalingConnection(url: url + "?token=" + token, logger: logger, opened: openedContinuation)
        let timer = Task {
            try? await Task.sleep(for: timeout)
            openedContinuation.finish()
        }
        defer { timer.cancel() }
        for await _ in opened { return connection }
        connection.disconnect()
        throw LoadError("ws_connect_failed", "upgrade refused, failed or not done within \(timeout): \(url)")
    }

    private init(url: String, logger: Logger, opened: AsyncStream<Bool>.Continuation) {
        let (outStream, outContinuation) = AsyncStream.makeStream(of: String.self)
        outbound = outContinuation
        // Bounded: a participant that stops reading its events loses the
        // newest and the loss is visible as missed state, not memory.
        let (events, eventsContinuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingOldest(4096))
        self.events = events
        self.eventsContinuation = eventsContinuation
        pacer = Pacer(perSecond: 15, burst: 20)
        let replies = PendingReplies()
        self.replies = replies
        let closeCodeBox = self.closeCodeBox
        task = Task {
            var closeCode: UInt16?
            do {
                let close = try await WebSocketClient.connect(
                    url: url, configuration: .init(maxFrameSize: 1 << 20), logger: logger
                ) { inbound, writer, _ in
                    opened.yield(true)
                    opened.finish()
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for await text in outStream { try await writer.write(.text(text)) }
                        }
                        for try await message in inbound.messages(maxSize: 1 << 20) {
                            guard case .text(let text) = message else { continue }
                            await Self.dispatch(text, replies: replies, events: eventsContinuation)
                        }
                        group.cancelAll()
                    }
                }
                closeCode = close.map { frame in
                    switch frame.closeCode {
                    case .normalClosure: 1000
                    case .goingAway: 1001
                    case .messageTooLarge: 1009
                    case .unknown(let value): value
                    default: 0
                    }
                }
            } catch {
                closeCode = nil
            }
            opened.finish()
            await replies.failAll()
            closeCodeBox.withLockedValue { $0 = .some(closeCode) }
            eventsContinuation.finish()
        }
    }

    private static func dispatch(_ text: String, replies: PendingReplies, events: AsyncStream<Event>.Continuation) async {
        let data = Data(text.utf8)
        if let envelope = try? SignalingCodec.decodeServer(data) {
            if let id = envelope.id, await replies.resolve(id: id, with: envelope) { return }
            events.yield(.message(envelope))
            return
        }
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        events.yield(.other(type: object?["type"] as? String ?? "", json: text))
    }

    /// Sends `message` and waits for its reply; an `error` reply throws
    /// `ws_<code>`, no reply within `timeout` throws `timeout_<type>`.
    func request(_ message: ClientMessage, timeout: Duration) async throws(LoadError) -> ServerEnvelope {
        let id = await replies.nextID()
        await pacer.take()
        outbound.yield(SignalingCodec.encode(ClientEnvelope(id: id, message)))
        guard let reply = await replies.wait(id: id, timeout: timeout) else {
            throw LoadError("timeout_\(message.type)", "no reply to \(message.type) within \(timeout)")
        }
        if case .error(let error) = reply.message {
            throw LoadError("ws_\(error.code.rawValue)", "\(message.type): \(error.message)")
        }
        return reply
    }

    /// Sends without waiting for a reply.
    func send(_ message: ClientMessage) async {
        await pacer.take()
        outbound.yield(SignalingCodec.encode(ClientEnvelope(message)))
    }

    /// Closes from this side at once.
    func disconnect() {
        outbound.finish()
        task.cancel()
    }

    /// Waits up to `timeout` for the socket's task to end (after `leave`).
    func waitClosed(timeout: Duration) async {
        let timer = Task { [task] in
            try? await Task.sleep(for: timeout)
            task.cancel()
        }
        await task.value
        timer.cancel()
    }
}

/// Requests waiting for their reply, each with its own deadline.
private actor PendingReplies {
    private var counter = 0
    private var waiters: [String: CheckedContinuation<ServerEnvelope?, Never>] = [:]
    /// Replies that arrived before their waiter registered (a fast server).
    private var early: [String: ServerEnvelope] = [:]
    private var closed = false

    func nextID() -> String {
        counter += 1
        return "l\(counter)"
    }

    /// True when `id` was one of ours (then the waiter has it).
    func resolve(id: String, with envelope: ServerEnvelope) -> Bool {
        if let waiter = waiters.removeValue(forKey: id) {
            waiter.resume(returning: envelope)
            return true
        }
        guard id.hasPrefix("l"), Int(id.dropFirst()).map({ $0 <= counter }) == true else { return false }
        if early.count < 64 { early[id] = envelope }
        return true
    }

    func wait(id: String, timeout: Duration) async -> ServerEnvelope? {
        if let reply = early.removeValue(forKey: id) { return reply }
        if closed { return nil }
        let timer = Task {
            try? await Task.sleep(for: timeout)
            await self.expire(id)
        }
        defer { timer.cancel() }
        return await withCheckedContinuation { waiters[id] = $0 }
    }

    private func expire(_ id: String) {
        waiters.removeValue(forKey: id)?.resume(returning: nil)
    }

    func failAll() {
        closed = true
        for waiter in waiters.values { waiter.resume(returning: nil) }
        waiters = [:]
    }
}

/// A token bucket: at most `perSecond` sends a second, bursts of `burst`.
private actor Pacer {
    private let perSecond: Double
    private let burst: Double
    private var tokens: Double
    private var last = ContinuousClock.now

    init(perSecond: Double, burst: Double) {
        self.perSecond = perSecond
        self.burst = burst
        tokens = burst
    }

    func take() async {
        while true {
            let now = ContinuousClock.now
            let elapsed = last.duration(to: now)
            last = now
            tokens = min(burst, tokens + (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18) * perSecond)
            if tokens >= 1 {
                tokens -= 1
                return
            }
            try? await Task.sleep(for: .milliseconds(Int((1 - tokens) / perSecond * 1000) + 1))
        }
    }
}
