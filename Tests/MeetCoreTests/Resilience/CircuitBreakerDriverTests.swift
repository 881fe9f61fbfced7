import Logging
import NIOConcurrencyHelpers
import Testing

@testable import MeetCore

/// ``CircuitBreakerDriver``'s stall timer, with the schedule injected: one
/// timer per client, not one per operation (the Redis client armed an
/// event-loop timer per pipeline), and a burst of operations re-arms nothing.
@Suite struct CircuitBreakerDriverTests {
    @Test func aBurstOfOperationsSetsOneTimer() {
        let timers = NIOLockedValueBox<[@Sendable () -> Void]>([])
        let driver = CircuitBreakerDriver(
            deadline: .seconds(60), policy: .open, name: "test", metricPrefix: "test_breaker",
            probeInterval: .milliseconds(100), logger: Logger(label: "test.breaker"),
            schedule: { _, work in timers.withLockedValue { $0.append(work) } },
            probe: { .answered }, onOpen: {})
        var tickets: [CircuitBreakerDriver.Ticket] = []
        for _ in 0..<100 {
            guard let ticket = driver.admit(sentLater: true) else {
                Issue.record("refused while closed")
                return
            }
            driver.sent(ticket)
            tickets.append(ticket)
        }
        #expect(timers.withLockedValue { $0.count } == 1)
        // The timer fires before any deadline: nothing happened; it is set once more.
        timers.withLockedValue { $0[0] }()
        #expect(timers.withLockedValue { $0.count } == 2)
        #expect(!driver.isOpen)
        for ticket in tickets { driver.finished(ticket, .answered) }
        // Nothing runs when it fires next: no further timer.
        timers.withLockedValue { $0[1] }()
        #expect(timers.withLockedValue { $0.count } == 2)
    }
}
