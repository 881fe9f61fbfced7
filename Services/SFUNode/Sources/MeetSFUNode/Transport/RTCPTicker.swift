import MeetRTC
import NIOCore

/// The worker's RTCP timer on its event loop: each tick hands the current
/// time to the worker's tick (NACK retries, released keyframe requests,
/// transport-wide feedback, REMB, the audio-level, dynacast and allocation
/// rounds, expired retirements run on it), and says when the once-a-second
/// work is due (receiver reports, RFC 3550 §6.4.2).
///
/// Its pace follows the work (``TickCadence``, docs/dev/sfu-idle.md): every
/// 20 ms while the tick reports work, once a second after a second with
/// none, not at all after a second with no transport; the worker's
/// ``WorkerActivity`` wakes it back to 20 ms at the first packet or
/// control action. Its state is `loop`'s alone (``EventLoopConfined``): the
/// repeated task's closure runs there, the other methods assert it;
/// `Sendable` only so that closure can hold the ticker weakly.
final class RTCPTicker: EventLoopConfined, @unchecked Sendable {
    typealias Tick = @Sendable (_ now: ContinuousClock.Instant, _ reports: Bool) -> TickCadence.Load

    let eventLoop: any EventLoop
    private let activity: WorkerActivity
    private var task: RepeatedTask?
    private var cadence = TickCadence()
    private var stopped = false
    private let tick: Tick
    /// How often work brought the timer back from the slow pace or a pause (tests, docs).
    private(set) var wakes = 0

    /// Starts ticking at the fast pace on `loop`; `tick` gets the time and
    /// whether reports are due, and answers what it found.
    init(loop: any EventLoop, activity: WorkerActivity, tick: @escaping Tick) {
        eventLoop = loop
        self.activity = activity
        self.tick = tick
        activity.onWake = { [weak self] in self?.wake() }
        arm(.fast)
    }

    /// Whether the timer runs (at either pace; not paused, not stopped).
    var isRunning: Bool { task != nil }

    /// The pace now.
    var pace: TickCadence.Pace { stopped ? .paused : cadence.pace }

    private func arm(_ pace: TickCadence.Pace) {
        task?.cancel()
        task = nil
        activity.isIdle = pace != .fast
        let interval: TimeAmount
        switch pace {
        case .paused: return
        case .fast: interval = TimeAmount(TickCadence.fastInterval)
        case .slow: interval = TimeAmount(TickCadence.slowInterval)
        }
        task = eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [weak self] task in
            guard let self else { return task.cancel() }
            self.assertOnOwningLoop()
            self.fire()
        }
    }

    private func fire() {
        let now = ContinuousClock.now
        let before = cadence.pace
        let load = tick(now, cadence.reportsDue(now: now))
        // The tick may have woken us (a packet handled inside it) or stopped us.
        guard !stopped, cadence.pace == before else { return }
        let after = cadence.paceAfterTick(now: now, load: load)
        if after != before { arm(after) }
    }

    /// Work arrived (``WorkerActivity``): back to the fast pace now. Event loop.
    func wake() {
        assertOnOwningLoop()
        guard !stopped, cadence.wake(now: .now) else { return }
        wakes += 1
        arm(.fast)
    }

    /// Stops the timer for good (event loop; shutdown).
    func stop() {
        assertOnOwningLoop()
        stopped = true
        task?.cancel()
        task = nil
        activity.isIdle = false
        activity.onWake = {}
    }
}
