import MeetRTC
import NIOCore

/// The node's RTCP timer on the socket's event loop: every 20 ms it hands
/// the current time to its tick (NACK retries, released keyframe requests,
/// transport-wide feedback, REMB and expired retirements run on it), and
/// every 50th tick (once a second) says it is time for receiver reports
/// (RFC 3550 §6.4.2). Its state is `loop`'s alone (``EventLoopConfined``):
/// the repeated task's closure runs there, ``stop()`` asserts it; `Sendable`
/// only so that closure can hold the ticker weakly.
final class RTCPTicker: EventLoopConfined, @unchecked Sendable {
    /// The timer's period.
    static let interval = TimeAmount.milliseconds(20)
    /// Receiver reports every this many ticks (1 s).
    static let ticksPerReport = 50

    let eventLoop: any EventLoop
    private var task: RepeatedTask?
    private var ticks = 0
    private let tick: @Sendable (_ now: ContinuousClock.Instant, _ reports: Bool) -> Void

    /// Starts ticking on `loop`; `tick` gets the time and whether reports are due.
    init(loop: any EventLoop, tick: @escaping @Sendable (_ now: ContinuousClock.Instant, _ reports: Bool) -> Void) {
        eventLoop = loop
        self.tick = tick
        schedule()
    }

    /// Whether the timer runs (not paused, not stopped).
    var isRunning: Bool { task != nil }

    private func schedule() {
        task = eventLoop.scheduleRepeatedTask(initialDelay: Self.interval, delay: Self.interval) { [weak self] task in
            guard let self else { return task.cancel() }
            self.assertOnOwningLoop()
            self.ticks &+= 1
            self.tick(.now, self.ticks % Self.ticksPerReport == 0)
        }
    }

    /// Stops the timer while the loop has nothing to do (no transport, no
    /// retirement): an idle worker then wakes for nothing of ours
    /// (docs/dev/sfu-idle.md). Event loop.
    func pause() {
        assertOnOwningLoop()
        task?.cancel()
        task = nil
    }

    /// Starts it again (a transport arrived); nothing when it runs. Event loop.
    func resume() {
        assertOnOwningLoop()
        if task == nil { schedule() }
    }

    /// Stops the timer (event loop; shutdown).
    func stop() {
        pause()
    }
}
