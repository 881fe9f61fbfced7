public import NIOCore

/// The timers of every transport on one `RTCSocket`'s event loop (ICE
/// consent and connectivity deadlines, the DTLS handshake deadline and
/// retransmissions): one ``TimerQueue`` and one NIO timer armed at its
/// head, instead of one NIO scheduled task per transport per purpose
/// (docs/dev/sfu-idle.md, item 3).
///
/// - Moving a timer is the queue's O(log n) and no NIO call, unless the
///   head moves earlier than the armed instant (then one cancel and
///   schedule, on a NIO heap that holds a few tasks per loop, not one per
///   transport). A head that moves later leaves the NIO timer armed: it
///   fires early, finds nothing due and is armed again for the head then.
/// - One wake-up runs every timer due in its 10 ms slot.
/// - No timer scheduled, no NIO timer armed: a loop whose last transport
///   closed has nothing left to wake it here.
///
/// Event loop only (``EventLoopConfined``), like the socket that owns it;
/// `Sendable` only so the NIO timer's closure can hold it weakly.
public final class LoopTimers: EventLoopConfined, @unchecked Sendable {
    public let eventLoop: any EventLoop
    private let now: @Sendable () -> ContinuousClock.Instant
    private var queue: TimerQueue
    /// The handler of each slot (indexed like the queue's slots).
    private var handlers: [(() -> Void)?] = []
    private var head = LoopTimer()
    private var wake: (@Sendable () -> Void)!
    /// Scratch for the timers due in one wake-up (kept, no allocation per wake-up).
    private var due: [TimerHandle] = []
    private var isFiring = false
    /// NIO timer wake-ups so far (tests and benchmarks).
    public private(set) var wakeUps = 0

    /// - Parameter now: the clock (tests pass a fake one with an
    ///   `EmbeddedEventLoop` advanced by the same amounts).
    public init(
        eventLoop: any EventLoop, resolution: Duration = .milliseconds(10),
        now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }
    ) {
        self.eventLoop = eventLoop
        self.now = now
        self.queue = TimerQueue(origin: now(), resolution: resolution)
        self.wake = { [weak self] in self?.fire() }
    }

    /// Timers scheduled now.
    public var scheduledCount: Int {
        assertOnOwningLoop()
        return queue.scheduledCount
    }

    /// Timers allocated and not released.
    public var allocatedCount: Int {
        assertOnOwningLoop()
        return queue.allocatedCount
    }

    /// True while a NIO timer is armed for the queue's head.
    public var isArmed: Bool {
        assertOnOwningLoop()
        return head.isArmed
    }

    /// When `handle` is due (its slot's start), nil when not scheduled.
    public func deadline(of handle: TimerHandle) -> ContinuousClock.Instant? {
        assertOnOwningLoop()
        return queue.deadline(of: handle)
    }

    /// A new timer (not scheduled) that runs `handler` on the loop when due.
    public func makeTimer(_ handler: @escaping () -> Void) -> TimerHandle {
        assertOnOwningLoop()
        let handle = queue.allocate()
        let slot = Int(handle.slot)
        if slot == handlers.count { handlers.append(handler) } else { handlers[slot] = handler }
        return handle
    }

    /// Schedules (or moves) `handle` for `deadline`; a stale handle does nothing.
    public func schedule(_ handle: TimerHandle, at deadline: ContinuousClock.Instant) {
        assertOnOwningLoop()
        guard queue.schedule(handle, at: deadline) else { return }
        rearm()
    }

    /// Schedules (or moves) `handle` for `delay` from now.
    public func schedule(_ handle: TimerHandle, in delay: Duration) {
        schedule(handle, at: now().advanced(by: delay))
    }

    /// Unschedules `handle` (it stays allocated).
    public func cancel(_ handle: TimerHandle) {
        assertOnOwningLoop()
        guard queue.cancel(handle) else { return }
        rearm()
    }

    /// Drops `handle` and its handler for good.
    public func release(_ handle: TimerHandle) {
        assertOnOwningLoop()
        guard queue.release(handle) else { return }
        handlers[Int(handle.slot)] = nil
        rearm()
    }

    private func rearm() {
        guard !isFiring else { return }
        guard let next = queue.nextDeadline else {
            head.cancel()
            return
        }
        head.arm(on: eventLoop, in: TimeAmount(now().duration(to: next)), notAfter: next, wake)
    }

    private func fire() {
        head.fired()
        wakeUps += 1
        isFiring = true
        queue.popDue(now: now(), into: &due)
        for handle in due where queue.takeFiring(handle) {
            handlers[Int(handle.slot)]?()
        }
        due.removeAll(keepingCapacity: true)
        isFiring = false
        rearm()
    }
}

/// A transport's use of its loop's ``LoopTimers``: one timer, allocated on
/// first use with the handler given then, released by ``release(_:)``.
struct SharedTimer {
    private(set) var handle: TimerHandle?

    mutating func schedule(
        on timers: LoopTimers, at deadline: ContinuousClock.Instant, _ handler: @escaping () -> Void
    ) {
        let handle = self.handle ?? timers.makeTimer(handler)
        self.handle = handle
        timers.schedule(handle, at: deadline)
    }

    mutating func schedule(on timers: LoopTimers, in delay: Duration, _ handler: @escaping () -> Void) {
        let handle = self.handle ?? timers.makeTimer(handler)
        self.handle = handle
        timers.schedule(handle, in: delay)
    }

    func cancel(on timers: LoopTimers) {
        if let handle { timers.cancel(handle) }
    }

    mutating func release(on timers: LoopTimers) {
        if let handle { timers.release(handle) }
        handle = nil
    }
}
