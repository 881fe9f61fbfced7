import Testing
@testable import MeetRTC

/// `TimerQueue`, the per-loop deadline heap of docs/dev/sfu-idle.md item 3,
/// driven with instants made from one fixed origin: no clock, no sleeps.
@Suite struct TimerQueueTests {
    let origin = ContinuousClock.now

    func at(_ milliseconds: Int) -> ContinuousClock.Instant { origin + .milliseconds(milliseconds) }

    @Test func deadlinesRoundUpToTheirSlotAndFireInOrderNeverEarly() {
        var queue = TimerQueue(origin: origin)
        let a = queue.allocate()
        let b = queue.allocate()
        let c = queue.allocate()
        queue.schedule(a, at: at(25))  // slot [20, 30) → due at 30
        queue.schedule(b, at: at(10))  // exactly a slot boundary: due at 10
        queue.schedule(c, at: at(1_000))
        #expect(queue.nextDeadline == at(10))
        #expect(queue.deadline(of: a) == at(30))

        var due: [TimerHandle] = []
        queue.popDue(now: at(9), into: &due)
        #expect(due.isEmpty)
        queue.popDue(now: at(29), into: &due)
        #expect(due == [b])
        due.removeAll()
        queue.popDue(now: at(30), into: &due)
        #expect(due == [a])
        #expect(queue.nextDeadline == at(1_000))
        #expect(queue.scheduledCount == 1)
    }

    @Test func manyDeadlinesInOneSlotAreDueInOneWakeUp() {
        var queue = TimerQueue(origin: origin)
        let handles = (0..<100).map { _ in queue.allocate() }
        for (index, handle) in handles.enumerated() {
            queue.schedule(handle, at: at(5_000) + .microseconds(index * 97))  // spread over 9.7 ms
        }
        // Slots [5000, 5010) round up to 5010 except the one exactly at 5000.
        var due: [TimerHandle] = []
        queue.popDue(now: at(5_010), into: &due)
        #expect(Set(due) == Set(handles))
        #expect(queue.scheduledCount == 0)
        #expect(queue.nextDeadline == nil)
    }

    @Test func aConsentCheckMovesTheDeadlineLaterWithoutASecondEntry() {
        var queue = TimerQueue(origin: origin)
        let consent = queue.allocate()
        let other = queue.allocate()
        queue.schedule(other, at: at(7_000))
        queue.schedule(consent, at: at(10_000))
        // Checks every 5 s push it on; it stays one entry.
        for check in 1...10 {
            queue.schedule(consent, at: at(10_000 + check * 5_000))
            #expect(queue.scheduledCount == 2)
        }
        #expect(queue.deadline(of: consent) == at(60_000))
        #expect(queue.nextDeadline == at(7_000))
        // Moved earlier again: it becomes the head.
        queue.schedule(consent, at: at(3_000))
        #expect(queue.nextDeadline == at(3_000))
        var due: [TimerHandle] = []
        queue.popDue(now: at(59_999), into: &due)
        #expect(due == [consent, other])
    }

    @Test func aReleasedHandleNeverSchedulesOrFiresItsSlotsNextOwner() {
        var queue = TimerQueue(origin: origin)
        let closed = queue.allocate()
        queue.schedule(closed, at: at(100))
        let releasedOnce = queue.release(closed)
        #expect(releasedOnce)
        #expect(queue.scheduledCount == 0)
        #expect(queue.allocatedCount == 0)

        // The slot is reused by the next transport, under a new generation.
        let reused = queue.allocate()
        #expect(reused.slot == closed.slot)
        #expect(reused != closed)
        // The closed transport's stale handle does nothing to it.
        let staleScheduled = queue.schedule(closed, at: at(50))
        #expect(!staleScheduled)
        let staleCancelled = queue.cancel(closed)
        #expect(!staleCancelled)
        let staleReleased = queue.release(closed)
        #expect(!staleReleased)
        #expect(!queue.isScheduled(reused))
        queue.schedule(reused, at: at(200))
        let staleCancelledAgain = queue.cancel(closed)
        #expect(!staleCancelledAgain)
        var due: [TimerHandle] = []
        queue.popDue(now: at(1_000), into: &due)
        #expect(due == [reused])
        let staleFires = queue.takeFiring(closed)
        #expect(!staleFires)
        let reusedFires = queue.takeFiring(reused)
        #expect(reusedFires)
    }

    @Test func aTimerCancelledOrMovedByAnotherHandlerInTheSameWakeUpDoesNotRun() {
        var queue = TimerQueue(origin: origin)
        let first = queue.allocate()
        let cancelled = queue.allocate()
        let moved = queue.allocate()
        let released = queue.allocate()
        for handle in [first, cancelled, moved, released] { queue.schedule(handle, at: at(10)) }
        var due: [TimerHandle] = []
        queue.popDue(now: at(10), into: &due)
        #expect(due.count == 4)
        // The first handler (say, a connection failing) touches the others.
        let firstRuns = queue.takeFiring(first)
        #expect(firstRuns)
        queue.cancel(cancelled)
        queue.schedule(moved, at: at(500))
        queue.release(released)
        let cancelledRuns = queue.takeFiring(cancelled)
        #expect(!cancelledRuns)
        let movedRuns = queue.takeFiring(moved)
        #expect(!movedRuns)
        let releasedRuns = queue.takeFiring(released)
        #expect(!releasedRuns)
        #expect(queue.deadline(of: moved) == at(500))
        // Taken once only.
        let firstRunsTwice = queue.takeFiring(first)
        #expect(!firstRunsTwice)
    }

    @Test func theHeapStaysOrderedUnderRandomMovesAndRemovals() {
        var queue = TimerQueue(origin: origin)
        var generator = SystemRandomNumberGenerator()
        var live: [TimerHandle: Int] = [:]
        let handles = (0..<200).map { _ in queue.allocate() }
        for _ in 0..<2_000 {
            let handle = handles[Int.random(in: 0..<handles.count, using: &generator)]
            if Bool.random(using: &generator) || live[handle] == nil {
                let slot = Int.random(in: 1...500, using: &generator)
                queue.schedule(handle, at: at(slot * 10))
                live[handle] = slot * 10
            } else {
                queue.cancel(handle)
                live[handle] = nil
            }
        }
        #expect(queue.scheduledCount == live.count)
        var due: [TimerHandle] = []
        queue.popDue(now: at(10_000), into: &due)
        #expect(due.count == live.count)
        let order = due.map { live[$0]! }
        #expect(order == order.sorted())
    }
}
