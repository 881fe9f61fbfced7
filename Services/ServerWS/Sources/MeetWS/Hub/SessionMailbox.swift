public import Foundation
public import MeetProtocol
import NIOConcurrencyHelpers

/// What a session's loop processes, one at a time, in arrival order:
/// its client's frames and what the bus routes to it.
public enum SessionInput: Sendable {
    case frame([UInt8])
    case room(RoomBusMessage)
    case inbox(InboxBusMessage)
    /// An SFU node closed a transport of this participant.
    case sfu(SFUTransportClosedEvent)
    /// SFU nodes are draining or lost (the node watcher's round, or a
    /// node's draining event): move this participant's publication off them.
    case nodes(NodeNotice)
    /// The client closed the socket, or it broke.
    case socketClosed
    /// A message over the size limit arrived; the socket is unusable.
    case tooLarge
    /// The client broke the WebSocket protocol (RFC 6455): close with `code`
    /// (1002 protocol error, 1007 invalid UTF-8).
    case protocolViolation(code: UInt16, reason: String)
    /// More bus events waited for this session than its mailbox holds
    /// (``MailboxLimits``): the client reads too slowly; close with 1008.
    case overflow
    /// The socket's `join` deadline passed (`MEET_WS_JOIN_TIMEOUT_SECONDS`).
    case joinDeadline
    /// This replica is shutting down.
    case shutdown
    /// Time to hand the client a fresh resume token (SeatDriver; the timer is WebSocketEndpoint.renewals).
    case renewCredentials
}

/// The hub's handle on one session: where to put its input. Bounded (see
/// ``MailboxQueue``): the socket reader waits in ``send(frame:)`` while the
/// session is behind, and bus events past the bounds close the session.
public final class SessionMailbox: Sendable {
    private struct State {
        var queue: MailboxQueue
        var consumer: CheckedContinuation<SessionInput?, Never>?
        var producer: CheckedContinuation<Void, Never>?
    }

    public let connectionId: UUID
    public let identity: SessionIdentity
    private let state: NIOLockedValueBox<State>
    private let onOverflow: @Sendable () -> Void

    public init(
        connectionId: UUID, identity: SessionIdentity, limits: MailboxLimits = MailboxLimits(),
        onOverflow: @escaping @Sendable () -> Void = {}
    ) {
        self.connectionId = connectionId
        self.identity = identity
        self.state = NIOLockedValueBox(State(queue: MailboxQueue(limits: limits)))
        self.onOverflow = onOverflow
    }

    /// Hands the session an input without waiting: bus events count against
    /// the event bounds, control inputs always fit. Client frames go through
    /// ``send(frame:)``, which waits for room; one handed here is queued only
    /// within the frame bound.
    public func deliver(_ input: SessionInput) {
        var overflowed = false
        let consumer = self.state.withLockedValue { state -> CheckedContinuation<SessionInput?, Never>? in
            switch input {
            case .frame(let bytes):
                // Client frames go through send(frame:), which waits for room;
                // here one over the bound would be dropped without a word.
                assertionFailure("a client frame delivered without back-pressure")
                _ = state.queue.offer(frame: bytes)
            case .room, .inbox, .sfu, .nodes: overflowed = state.queue.offer(event: input) == .overflowed
            default: state.queue.offer(control: input)
            }
            return Self.wakeConsumer(&state)
        }
        if overflowed { self.onOverflow() }
        consumer?.resume(returning: nil)
    }

    /// Queues a client frame, waiting while `limits.frames` frames are
    /// already queued (back-pressure on the socket). Returns once queued or
    /// once the session has ended.
    public func send(frame bytes: [UInt8]) async {
        while true {
            let (queued, consumer) = self.state.withLockedValue { state -> (Bool, CheckedContinuation<SessionInput?, Never>?) in
                guard state.queue.offer(frame: bytes) else { return (false, nil) }
                return (true, Self.wakeConsumer(&state))
            }
            if queued {
                consumer?.resume(returning: nil)
                return
            }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = self.state.withLockedValue { state -> Bool in
                    if state.queue.accepts(frameOf: bytes.count) { return true }
                    state.producer = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        }
    }

    /// The next input, waiting for one; nil once ``finish()`` was called
    /// or the waiting task is cancelled (which finishes the mailbox).
    func next() async -> SessionInput? {
        await withTaskCancellationHandler {
            await self.nextInput()
        } onCancel: {
            self.finish()
        }
    }

    private func nextInput() async -> SessionInput? {
        while true {
            let (input, producer, done) = self.state.withLockedValue {
                state -> (SessionInput?, CheckedContinuation<Void, Never>?, Bool) in
                let input = state.queue.next()
                var producer: CheckedContinuation<Void, Never>?
                if input != nil {
                    // Something left: a waiting reader looks again (and waits again if its frame still does not fit).
                    producer = state.producer
                    state.producer = nil
                }
                return (input, producer, state.queue.closed)
            }
            producer?.resume()
            if let input { return input }
            if done { return nil }
            // Wait for a producer: it resumes us with nil, and we look again.
            _ = await withCheckedContinuation { (continuation: CheckedContinuation<SessionInput?, Never>) in
                let ready = self.state.withLockedValue { state -> Bool in
                    if !state.queue.isEmpty || state.queue.closed { return true }
                    state.consumer = continuation
                    return false
                }
                if ready { continuation.resume(returning: nil) }
            }
        }
    }

    /// Ends the mailbox: queued input is dropped, a waiting reader returns.
    func finish() {
        let (consumer, producer) = self.state.withLockedValue { state in
            state.queue.close()
            defer { state.consumer = nil; state.producer = nil }
            return (state.consumer, state.producer)
        }
        consumer?.resume(returning: nil)
        producer?.resume()
    }

    /// Whether the session waits for input with nothing queued, whether the
    /// mailbox is finished, and how many inputs went in and out so far. An
    /// in-process cluster reads it to know that every session has processed
    /// what it was handed (its settle barrier), without sleeping.
    public var activity: (waiting: Bool, finished: Bool, moves: Int) {
        self.state.withLockedValue { state in
            (state.consumer != nil, state.queue.closed, state.queue.moves)
        }
    }

    /// Inputs queued now (tests, metrics).
    public var queued: Int { self.state.withLockedValue { $0.queue.count } }

    private static func wakeConsumer(_ state: inout State) -> CheckedContinuation<SessionInput?, Never>? {
        guard !state.queue.isEmpty, let consumer = state.consumer else { return nil }
        state.consumer = nil
        return consumer
    }
}
