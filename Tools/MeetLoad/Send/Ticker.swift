import NIOCore

/// Calls `tick` every `period` at a fixed rate (NIO's repeated task waits
/// `period` after each run ends, so a busy loop would slow the frame rate
/// down); after a stall longer than a period it skips what was missed
/// rather than bursting. Event loop only.
final class Ticker {
    private let loop: any EventLoop
    private let period: TimeAmount
    private let tick: () -> Void
    private var next: NIODeadline
    private var scheduled: Scheduled<Void>?
    private var cancelled = false

    init(loop: any EventLoop, period: TimeAmount, tick: @escaping () -> Void) {
        self.loop = loop
        self.period = period
        self.tick = tick
        next = .now()
        schedule()
    }

    private func schedule() {
        scheduled = loop.assumeIsolated().scheduleTask(deadline: next) { [self] in
            guard !cancelled else { return }
            tick()
            next = next + period
            let now = NIODeadline.now()
            if next < now - period { next = now }
            schedule()
        }
    }

    func cancel() {
        cancelled = true
        scheduled?.cancel()
    }
}
