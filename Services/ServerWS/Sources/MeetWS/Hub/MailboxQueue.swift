import Foundation
import MeetProtocol

/// How much one session's mailbox may hold (docs/configuration.md,
/// docs/signaling.md "Limits").
public struct MailboxLimits: Sendable, Equatable {
    /// Client frames queued before the socket reader waits
    /// (`MEET_WS_INBOUND_QUEUE_MESSAGES`): the reader stops reading, NIO
    /// stops reading the socket, and TCP pushes back on the client.
    public var frames: Int
    /// The same bound in bytes (`MEET_WS_INBOUND_QUEUE_BYTES`); one message
    /// always fits, however large (the message limit bounds it).
    public var frameBytes: Int
    /// Bus events (room events, inbox instructions, SFU news) queued for a
    /// session before it is closed as too slow (`MEET_WS_OUTBOUND_QUEUE_MESSAGES`).
    public var events: Int
    /// The same bound in bytes of frames to send (`MEET_WS_OUTBOUND_QUEUE_BYTES`).
    public var eventBytes: Int

    public init(frames: Int = 8, frameBytes: Int = 256 << 10, events: Int = 1024, eventBytes: Int = 4 << 20) {
        self.frames = max(1, frames)
        self.frameBytes = max(1, frameBytes)
        self.events = max(1, events)
        self.eventBytes = max(1, eventBytes)
    }
}

/// The state of one session's mailbox, without I/O: a FIFO of inputs with
/// the counts that bound it. ``SessionMailbox`` wraps it with a lock and the
/// continuations of whoever waits.
///
/// Frames from the client are held back (``offer(frame:)`` answers `false`
/// and the reader waits) because TCP can push back on the client; events
/// from the bus cannot wait (one slow socket must not stall its room's
/// pump), so when they pass their bounds the queue drops everything and
/// holds only ``SessionInput/overflow``: the session closes with
/// ``CloseCode/tooSlow`` and presence treats it as a drop (resumable).
struct MailboxQueue {
    enum EventOffer: Equatable {
        /// Queued.
        case accepted
        /// This event passed a bound: the queue now holds only `.overflow`.
        case overflowed
        /// Already overflowed or closed: the event is dropped.
        case dropped
    }

    let limits: MailboxLimits
    private var items: [SessionInput] = []
    private var head = 0
    private(set) var frames = 0
    private(set) var frameBytes = 0
    private(set) var events = 0
    private(set) var eventBytes = 0
    private(set) var overflowed = false
    private(set) var closed = false
    /// Inputs queued and taken so far (see ``SessionMailbox/activity``).
    private(set) var moves = 0

    init(limits: MailboxLimits) {
        self.limits = limits
    }

    var count: Int { self.items.count - self.head }
    var isEmpty: Bool { self.count == 0 }
    /// Whether ``offer(frame:)`` would take a frame of `count` bytes now.
    func accepts(frameOf count: Int) -> Bool {
        self.closed || self.overflowed || self.frames == 0
            || (self.frames < self.limits.frames && self.frameBytes + count <= self.limits.frameBytes)
    }

    /// Queues a client frame unless `limits.frames` frames, or
    /// `limits.frameBytes` with it, are already waiting (then `false`: wait
    /// for ``next()`` and try again); an empty queue takes any frame. A
    /// closed queue swallows it (`true`: nothing will read it).
    mutating func offer(frame bytes: [UInt8]) -> Bool {
        guard !self.closed, !self.overflowed else { return true }
        guard self.accepts(frameOf: bytes.count) else { return false }
        self.append(.frame(bytes))
        return true
    }

    /// Queues a bus event, or overflows.
    mutating func offer(event input: SessionInput) -> EventOffer {
        guard !self.closed, !self.overflowed else { return .dropped }
        let bytes = Self.size(of: input)
        guard self.events + 1 <= self.limits.events, self.eventBytes + bytes <= self.limits.eventBytes else {
            self.overflowed = true
            self.removeAll()
            self.append(.overflow)
            return .overflowed
        }
        self.append(input)
        return .accepted
    }

    /// Queues a control input (socket closed, too large, protocol error,
    /// deadlines, shutdown): a handful per session, never refused while open.
    mutating func offer(control input: SessionInput) {
        guard !self.closed else { return }
        self.append(input)
    }

    /// The oldest input, if any.
    mutating func next() -> SessionInput? {
        guard self.head < self.items.count else { return nil }
        let input = self.items[self.head]
        self.head += 1
        self.moves += 1
        switch input {
        case .frame(let bytes):
            self.frames -= 1
            self.frameBytes -= bytes.count
        case .room, .inbox, .sfu, .nodes:
            self.events -= 1
            self.eventBytes -= Self.size(of: input)
        default: break
        }
        if self.head >= 64, self.head * 2 >= self.items.count {
            self.items.removeFirst(self.head)
            self.head = 0
        }
        return input
    }

    /// No more input is accepted; what is queued is dropped.
    mutating func close() {
        self.closed = true
        self.removeAll()
    }

    private mutating func append(_ input: SessionInput) {
        switch input {
        case .frame(let bytes):
            self.frames += 1
            self.frameBytes += bytes.count
        case .room, .inbox, .sfu, .nodes:
            self.events += 1
            self.eventBytes += Self.size(of: input)
        default: break
        }
        self.moves += 1
        self.items.append(input)
    }

    private mutating func removeAll() {
        self.items.removeAll()
        self.head = 0
        self.frames = 0
        self.frameBytes = 0
        self.events = 0
        self.eventBytes = 0
    }

    /// What an input weighs against `limits.eventBytes`: the frame it will
    /// send, or a nominal 256 bytes for the small structured ones.
    static func size(of input: SessionInput) -> Int {
        switch input {
        case .frame(let bytes): bytes.count
        case .room(let message): 256 + message.frame.utf8.count
        case .inbox(let message): 256 + (message.frame?.utf8.count ?? 0)
        default: 256
        }
    }
}
