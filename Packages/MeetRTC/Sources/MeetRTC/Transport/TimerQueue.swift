/// One timer in a ``TimerQueue`` (a transport's ICE consent deadline, its
/// DTLS retransmission, ...): a slot and that slot's generation. A slot is
/// reused after ``TimerQueue/release(_:)``, with its generation bumped, so a
/// handle kept by a closed transport never schedules, cancels or fires the
/// timer of whoever holds the slot now.
public struct TimerHandle: Hashable, Sendable {
    let slot: Int32
    let generation: UInt32
}

/// The deadlines of every transport on one event loop, as a sans-I/O indexed
/// min-heap with the time passed in (docs/dev/sfu-idle.md, "What a fix
/// changes", item 3). ``LoopTimers`` runs it with one NIO timer at its head,
/// instead of one NIO scheduled task per transport per purpose (each re-arm
/// of which cancelled a task: a linear search of the loop's NIO task heap).
///
/// - Deadlines are rounded **up** to the queue's resolution (10 ms by
///   default), counted from `origin`: timers due in the same slot are due
///   together and run in one wake-up, and none runs before its deadline.
/// - ``schedule(_:at:)`` of a scheduled timer moves it: O(log n), whether
///   earlier or later (an ICE consent deadline moves later on every valid
///   check); ``cancel(_:)`` and ``release(_:)`` are O(log n) too.
/// - ``popDue(now:into:)`` takes every timer whose slot has begun out of the
///   heap and marks it *firing*: it runs only while it stays so (a handler
///   that cancels, re-schedules or releases another timer due in the same
///   wake-up stops it from running, see ``takeFiring(_:)``).
///
/// A value type, owned by one loop: no lock.
public struct TimerQueue {
    private enum State: Equatable {
        case free, idle, scheduled, firing
    }

    private struct Slot {
        var generation: UInt32 = 0
        var state = State.free
        /// Its deadline in resolution ticks since `origin` (while scheduled).
        var tick: Int64 = 0
        /// Its place in `heap` (while scheduled).
        var heapIndex = -1
    }

    public let origin: ContinuousClock.Instant
    /// Nanoseconds per slot.
    let resolutionNanoseconds: Int64
    private var slots: [Slot] = []
    private var freeSlots: [Int32] = []
    /// Slot numbers, a binary min-heap on their `tick`.
    private var heap: [Int32] = []

    public init(origin: ContinuousClock.Instant, resolution: Duration = .milliseconds(10)) {
        self.origin = origin
        self.resolutionNanoseconds = max(1, Self.nanoseconds(resolution))
    }

    /// Timers scheduled now (the heap's size).
    public var scheduledCount: Int { heap.count }
    /// Timers allocated and not released (scheduled or not).
    public var allocatedCount: Int { slots.count - freeSlots.count }

    /// When the earliest scheduled timer is due (its slot's start), nil when none is.
    public var nextDeadline: ContinuousClock.Instant? {
        guard let head = heap.first else { return nil }
        return instant(ofTick: slots[Int(head)].tick)
    }

    /// A new timer, not scheduled.
    public mutating func allocate() -> TimerHandle {
        let slot: Int32
        if let reused = freeSlots.popLast() {
            slot = reused
        } else {
            slot = Int32(slots.count)
            slots.append(Slot())
        }
        slots[Int(slot)].state = .idle
        return TimerHandle(slot: slot, generation: slots[Int(slot)].generation)
    }

    /// Whether `handle` is still this queue's (allocated, not released).
    public func isCurrent(_ handle: TimerHandle) -> Bool {
        guard handle.slot >= 0, Int(handle.slot) < slots.count else { return false }
        let slot = slots[Int(handle.slot)]
        return slot.generation == handle.generation && slot.state != .free
    }

    /// Whether `handle` waits in the heap.
    public func isScheduled(_ handle: TimerHandle) -> Bool {
        isCurrent(handle) && slots[Int(handle.slot)].state == .scheduled
    }

    /// When `handle` is due (its slot's start), nil when it is not scheduled.
    public func deadline(of handle: TimerHandle) -> ContinuousClock.Instant? {
        guard isScheduled(handle) else { return nil }
        return instant(ofTick: slots[Int(handle.slot)].tick)
    }

    /// Schedules `handle` for `deadline` (rounded up to the slot), moving it
    /// when it was scheduled. False for a stale handle (nothing happens).
    @discardableResult
    public mutating func schedule(_ handle: TimerHandle, at deadline: ContinuousClock.Instant) -> Bool {
        guard isCurrent(handle) else { return false }
        let index = Int(handle.slot)
        let tick = ceilTick(of: deadline)
        if slots[index].state == .scheduled {
            let old = slots[index].tick
            slots[index].tick = tick
            if tick < old {
                siftUp(slots[index].heapIndex)
            } else if tick > old {
                siftDown(slots[index].heapIndex)
            }
            return true
        }
        slots[index].tick = tick
        slots[index].state = .scheduled
        slots[index].heapIndex = heap.count
        heap.append(handle.slot)
        siftUp(heap.count - 1)
        return true
    }

    /// Unschedules `handle` (it stays allocated). False for a stale handle.
    @discardableResult
    public mutating func cancel(_ handle: TimerHandle) -> Bool {
        guard isCurrent(handle) else { return false }
        if slots[Int(handle.slot)].state == .scheduled { removeFromHeap(Int(handle.slot)) }
        slots[Int(handle.slot)].state = .idle
        return true
    }

    /// Drops `handle` for good (the transport closed): unscheduled, its slot
    /// free for reuse under a new generation. False for a stale handle.
    @discardableResult
    public mutating func release(_ handle: TimerHandle) -> Bool {
        guard cancel(handle) else { return false }
        let index = Int(handle.slot)
        slots[index].state = .free
        slots[index].generation &+= 1
        freeSlots.append(handle.slot)
        return true
    }

    /// Moves every timer whose slot began at or before `now` out of the heap
    /// into `due` (earliest first), each marked firing.
    public mutating func popDue(now: ContinuousClock.Instant, into due: inout [TimerHandle]) {
        let nowTick = floorTick(of: now)
        while let head = heap.first, slots[Int(head)].tick <= nowTick {
            removeFromHeap(Int(head))
            slots[Int(head)].state = .firing
            due.append(TimerHandle(slot: head, generation: slots[Int(head)].generation))
        }
    }

    /// True (and the timer idle again) when `handle`, popped by
    /// ``popDue(now:into:)``, is still firing: nothing cancelled,
    /// re-scheduled or released it since. Its handler runs only then.
    public mutating func takeFiring(_ handle: TimerHandle) -> Bool {
        guard isCurrent(handle), slots[Int(handle.slot)].state == .firing else { return false }
        slots[Int(handle.slot)].state = .idle
        return true
    }

    // MARK: Time in ticks

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    private func ceilTick(of instant: ContinuousClock.Instant) -> Int64 {
        let ns = Self.nanoseconds(origin.duration(to: instant))
        let (q, r) = ns.quotientAndRemainder(dividingBy: resolutionNanoseconds)
        return r > 0 ? q + 1 : q
    }

    private func floorTick(of instant: ContinuousClock.Instant) -> Int64 {
        let ns = Self.nanoseconds(origin.duration(to: instant))
        let (q, r) = ns.quotientAndRemainder(dividingBy: resolutionNanoseconds)
        return r < 0 ? q - 1 : q
    }

    private func instant(ofTick tick: Int64) -> ContinuousClock.Instant {
        origin.advanced(by: .nanoseconds(tick * resolutionNanoseconds))
    }

    // MARK: Heap

    private mutating func removeFromHeap(_ slot: Int) {
        let index = slots[slot].heapIndex
        slots[slot].heapIndex = -1
        let last = heap.count - 1
        if index != last {
            heap[index] = heap[last]
            slots[Int(heap[index])].heapIndex = index
            heap.removeLast()
            siftDown(index)
            siftUp(index)
        } else {
            heap.removeLast()
        }
    }

    private func tick(at index: Int) -> Int64 { slots[Int(heap[index])].tick }

    private mutating func swapAt(_ a: Int, _ b: Int) {
        heap.swapAt(a, b)
        slots[Int(heap[a])].heapIndex = a
        slots[Int(heap[b])].heapIndex = b
    }

    private mutating func siftUp(_ start: Int) {
        var index = start
        while index > 0 {
            let parent = (index - 1) / 2
            guard tick(at: index) < tick(at: parent) else { return }
            swapAt(index, parent)
            index = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var index = start
        while true {
            let left = 2 * index + 1
            guard left < heap.count else { return }
            var smallest = left
            if left + 1 < heap.count, tick(at: left + 1) < tick(at: left) { smallest = left + 1 }
            guard tick(at: smallest) < tick(at: index) else { return }
            swapAt(index, smallest)
            index = smallest
        }
    }
}
