import NIOConcurrencyHelpers
import Testing

@testable import MeetBus

/// The endpoint's ready gate under cancellation: a waiter is resumed once,
/// whoever comes first (open, close, cancellation), and none stays behind.
@Suite struct GateTests {
    /// Cancellation that comes before the waiter is in the gate's table: the
    /// cancellation handler finds nothing to resume, and the waiter used to
    /// go in anyway and wait there until the gate opened, so `wait(timeout:)`
    /// (whose task group waits for that child) hung, its timeout included.
    @Test func aWaiterCancelledBeforeItWaitsReturnsAtOnceAndLeavesNothing() async throws {
        let gate = Gate()
        let finished = NIOLockedValueBox(false)
        let waiter = Task {
            defer { finished.withLockedValue { $0 = true } }
            withUnsafeCurrentTask { $0?.cancel() }
            return try await gate.wait(timeout: .seconds(3600))
        }
        for _ in 0..<1000 where !finished.withLockedValue({ $0 }) {
            try await Task.sleep(for: .milliseconds(10))
        }
        let hung = !finished.withLockedValue { $0 }
        #expect(!hung, "a cancelled wait hung until the gate opened")
        #expect(gate.waiterCount == 0)
        gate.open()  // releases a hung waiter (old code), and must resume nothing a second time
        await #expect(throws: CancellationError.self) { _ = try await waiter.value }
    }

    /// Many waiters cancelled while the gate opens: each ends exactly once
    /// (a second resume of a checked continuation traps), none stays.
    @Test func waitersCancelledWhileTheGateOpensEndOnce() async throws {
        for _ in 0..<20 {
            let gate = Gate()
            let waiters = (0..<50).map { _ in Task { try await gate.wait(timeout: .seconds(3600)) } }
            for (index, waiter) in waiters.enumerated() where index % 2 == 0 { waiter.cancel() }
            gate.open()
            for waiter in waiters.dropFirst(25) { waiter.cancel() }
            for waiter in waiters {
                switch await waiter.result {
                case .success(let outcome): #expect(outcome == .open)
                case .failure(let error): #expect(error is CancellationError)
                }
            }
            #expect(gate.waiterCount == 0)
        }
    }

    @Test func closingEndsEveryWaiterAndLaterWaitsSeeClosed() async throws {
        let gate = Gate()
        let waiter = Task { try await gate.wait(timeout: .seconds(3600)) }
        while gate.waiterCount == 0 { try await Task.sleep(for: .milliseconds(1)) }
        gate.close()
        #expect(try await waiter.value == .closed)
        #expect(try await gate.wait(timeout: .seconds(1)) == .closed)
        #expect(gate.waiterCount == 0)
    }
}
