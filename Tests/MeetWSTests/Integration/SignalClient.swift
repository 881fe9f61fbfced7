import Foundation
import HummingbirdWSClient
import Logging
import MeetProtocol
import NIOCore
import NIOWebSocket

/// A WebSocket signaling client for tests: sends client messages, queues
/// every server frame in arrival order, and records how the socket closed.
/// `credentials` frames (the resume token, renewed on a timer) are kept
/// aside as ``credentials``, never queued, so they interleave with nothing.
final class SignalClient: Sendable {
    let name: String
    private let frames: FrameQueue
    private let outbound: AsyncStream<String>.Continuation
    private let task: Task<WebSocketCloseFrame?, any Error>

    /// Connects; throws when the upgrade is refused (bad token and the like).
    static func connect(_ url: String, token: String, name: String) async throws -> SignalClient {
        let (opened, openedContinuation) = AsyncStream.makeStream(of: Bool.self)
        let client = SignalClient(url: url + "?token=" + token, name: name, opened: openedContinuation)
        for await _ in opened { return client }
        // The handler never ran: the connection or the upgrade failed.
        _ = try await client.task.value
        throw ClusterError("\(name): connection closed before opening")
    }

    private init(url: String, name: String, opened: AsyncStream<Bool>.Continuation) {
        self.name = name
        let (outStream, outContinuation) = AsyncStream.makeStream(of: String.self)
        self.outbound = outContinuation
        let frames = FrameQueue()
        self.frames = frames
        self.task = Task {
            defer { opened.finish() }
            do {
                let close = try await WebSocketClient.connect(
                    url: url, configuration: .init(maxFrameSize: 1 << 20), logger: Logger(label: "test.ws.\(name)")
                ) { inbound, outbound, _ in
                    opened.yield(true)
                    opened.finish()
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for await text in outStream { try await outbound.write(.text(text)) }
                        }
                        for try await message in inbound.messages(maxSize: 1 << 20) {
                            guard case .text(let text) = message else { continue }
                            await frames.push(try SignalingCodec.decodeServer(Data(text.utf8)))
                        }
                        group.cancelAll()
                    }
                }
                let code: UInt16? = close.map { UInt16(webSocketErrorCode: $0.closeCode) }
                await frames.finish(closeCode: code)
                return close
            } catch {
                await frames.finish(closeCode: nil)
                throw error
            }
        }
    }

    func send(_ message: ClientMessage, id: String? = nil) {
        self.outbound.yield(SignalingCodec.encode(ClientEnvelope(id: id, message)))
    }

    func sendRaw(_ text: String) {
        self.outbound.yield(text)
    }

    /// The next frame; fails when none arrives within `timeout`.
    func next(within timeout: Duration = .seconds(15)) async throws -> ServerEnvelope {
        guard let frame = await self.frames.pop(timeout: timeout) else {
            throw ClusterError("\(self.name): no frame within \(timeout) (closed: \(await self.frames.isClosed))")
        }
        return frame
    }

    /// The next frame, which must be of `type`.
    @discardableResult
    func expect(_ type: String, within timeout: Duration = .seconds(15)) async throws -> ServerEnvelope {
        let frame = try await self.next(within: timeout)
        guard frame.message.type == type else {
            throw ClusterError("\(self.name): expected \(type), got \(SignalingCodec.encode(frame))")
        }
        return frame
    }

    /// Fails if any frame arrives within `duration` (no duplicates, no churn).
    func expectSilence(for duration: Duration = .milliseconds(700)) async throws {
        if let frame = await self.frames.pop(timeout: duration) {
            throw ClusterError("\(self.name): unexpected frame \(SignalingCodec.encode(frame))")
        }
    }

    /// Waits for the server to close the socket; returns its close code.
    func closeCode(within timeout: Duration = .seconds(15)) async throws -> UInt16? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if await self.frames.isClosed { return await self.frames.closeCode }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ClusterError("\(self.name): socket still open after \(timeout)")
    }

    /// The newest `credentials` the server sent, if any.
    var credentials: ResumeCredentials? {
        get async { await self.frames.credentials }
    }

    /// How many `credentials` frames arrived so far.
    var credentialsCount: Int {
        get async { await self.frames.credentialsCount }
    }

    /// Closes from the client side (as a dropped connection looks to the server).
    func disconnect() async {
        self.outbound.finish()
        self.task.cancel()
        _ = try? await self.task.value
    }
}

/// Received frames, in order, with timed waits.
private actor FrameQueue {
    private var buffer: [ServerEnvelope] = []
    private var waiter: (id: UUID, continuation: CheckedContinuation<ServerEnvelope?, Never>)?
    private(set) var isClosed = false
    private(set) var closeCode: UInt16?
    private(set) var credentials: ResumeCredentials?
    private(set) var credentialsCount = 0

    func push(_ frame: ServerEnvelope) {
        if case .credentials(let credentials) = frame.message {
            self.credentials = credentials
            self.credentialsCount += 1
            return
        }
        if let waiter = self.waiter {
            self.waiter = nil
            waiter.continuation.resume(returning: frame)
        } else {
            self.buffer.append(frame)
        }
    }

    func finish(closeCode: UInt16?) {
        self.isClosed = true
        self.closeCode = closeCode
        self.waiter?.continuation.resume(returning: nil)
        self.waiter = nil
    }

    func pop(timeout: Duration) async -> ServerEnvelope? {
        if !self.buffer.isEmpty { return self.buffer.removeFirst() }
        if self.isClosed { return nil }
        let id = UUID()
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            await self?.expire(id)
        }
        defer { timer.cancel() }
        return await withCheckedContinuation { self.waiter = (id, $0) }
    }

    private func expire(_ id: UUID) {
        guard let waiter = self.waiter, waiter.id == id else { return }
        self.waiter = nil
        waiter.continuation.resume(returning: nil)
    }
}
