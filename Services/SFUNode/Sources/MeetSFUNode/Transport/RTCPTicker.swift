import NIOCore

/// The node's RTCP timer on the socket's event loop: every 20 ms it hands
/// the current time to its tick (NACK retries, released keyframe requests,
/// transport-wide feedback, REMB and expired retirements run on it), and
/// every 50th tick (once a second) says it is time for receiver reports
/// (RFC 3550 §6.4.2). Its state is the loop's alone (hence `@unchecked`).
final class RTCPTicker: @unchecked Sendable {
    /// The timer's period.
    static let interval = TimeAmount.milliseconds(20)
    /// Receiver reports every this many ticks (1 s).
    static let ticksPerReport = 50

    private var task: RepeatedTask?
    private var ticks = 0

    /// Starts ticking on `loop`; `tick` gets the time and whether reports are due.
    init(loop: any EventLoop, tick: @escaping @Sendable (_ now: ContinuousClock.Instant, _ reports: Bool) -> Void) {
        task = loop.scheduleRepeatedTask(initialDelay: Self.interval, delay: Self.interval) { [weak self] task in
            guard let self else { return task.cancel() }
            self.ticks &+= 1
            tick(.now, self.ticks % Self.ticksPerReport == 0)
        }
    }

    /// Stops the timer (event loop; shutdown).
    func stop() {
        task?.cancel()
        task = nil
    }
}
